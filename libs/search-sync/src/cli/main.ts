#!/usr/bin/env node
// The `search-sync` bin. The exit is explicit: a module whose database pool the application closes
// nowhere but in its own main.ts would otherwise keep the process alive after the command.
import { runCommandLine } from './command-line.js';

process.exit(await runCommandLine(process.argv.slice(2)));
