#!/usr/bin/env node
process.stderr.write('tsk-server: starting\n');
