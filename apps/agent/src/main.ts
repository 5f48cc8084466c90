#!/usr/bin/env node
// tsk-agent: placeholder until its issue lands.
process.stderr.write('tsk-agent: not implemented yet\n');
process.exitCode = 1;
