#!/usr/bin/env node
import { main } from "../main.ts";
import { exitQuietlyOnClosedPipe, exitWhenFlushed } from "../output/closed-pipe.ts";

exitQuietlyOnClosedPipe(process.stdout);
// Exit as soon as the command is done: a command that failed half-way (a sandbox whose start
// failed) may leave handles behind that would keep Node running, ignoring the first Ctrl-C.
await exitWhenFlushed(await main(process.argv.slice(2)));
