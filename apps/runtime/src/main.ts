#!/usr/bin/env node
// tsk-runtime: placeholder until its issue lands.
process.stderr.write('tsk-runtime: not implemented yet\n');
process.exitCode = 1;
