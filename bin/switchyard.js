#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.join(__dirname, '..', 'dist', 'proxy.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('switchyard: dist/proxy.js is missing. Run `npm run build` first.\n');
  process.exit(1);
}
require(bundle);
