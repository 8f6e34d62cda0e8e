// The health check of the corrupt demo release: always fails, with the reason the device
// reports in the job's FAILED status.
process.stderr.write(
  "led 2.0.0 (corrupt demo build): self-test failed: LED driver table missing\n",
);
process.exit(1);
