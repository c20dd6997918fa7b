#!/usr/bin/env node
// The `fare-localnet` command. A file of its own, not the build's: a package manager links bins at
// install time, before a workspace is built, and warned that dist/cli.mjs did not exist.
import '../dist/cli.mjs'
