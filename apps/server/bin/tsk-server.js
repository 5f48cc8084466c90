#!/usr/bin/env node
// Thin launcher so the bin exists (and is executable) before the first build.
import "../dist/main.js";
