// A deliberately broken release of the LED app (same name, higher version), to show that the
// device rolls a failed update back: it cannot start, and its health check fails.
process.stderr.write("led 2.0.0 (corrupt demo build): cannot start: LED driver table missing\n");
process.exit(1);
