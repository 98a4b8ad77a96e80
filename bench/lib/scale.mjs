// Scaled HDFS files: HDFS_2percent.log repeated N times, block ids re-keyed per copy so every copy
// is a distinct set of blocks (blk_123 in copy 7 → blk_12307; blk_-45 → blk_-4507). Two digits
// appended to every id keep ids unique across copies and valid `blk_-?\d+`. Labels follow the
// same re-keying. Timestamps are left as they are (each copy replays the same two days), which
// does not matter for block sessions. Files are cached in .bench/ and rebuilt only when missing.
// `blockSets` below `copies` re-uses the block ids: copy c gets copy (c mod blockSets)'s ids, so
// ×100 over ×50's blocks has twice the lines of ×50 in the same sessions (each block's lines
// twice) — what tells memory that grows with lines from memory that grows with sessions.
import fs from 'node:fs'
import path from 'node:path'
import {benchOut, DATASETS} from './paths.mjs'

const BLK = /blk_(-?\d+)/g

function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8')
  let off = 0
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off)
}

/** `dir`: where the files go (default .bench/; bench/scale.mjs keeps them in the temp dir). */
export function buildScaledHdfs(copies = 50, dir, blockSets = copies) {
  if (copies < 1 || copies > 100) throw new RangeError('copies must be 1..100 (two re-key digits)')
  if (blockSets < 1 || blockSets > copies) throw new RangeError('blockSets must be 1..copies')
  const out = (name) => (dir ? (fs.mkdirSync(dir, {recursive: true}), path.join(dir, name)) : benchOut(name))
  const name = blockSets === copies ? `HDFS_2percent_x${copies}` : `HDFS_2percent_x${copies}_blocks${blockSets}`
  const log = out(`${name}.log`)
  const labels = out(`${name}_anomaly_label.csv`)
  const srcLog = `${DATASETS}/hdfs/HDFS_2percent.log`
  const srcLabels = `${DATASETS}/hdfs/HDFS_2percent_anomaly_label.csv`
  const expected = fs.statSync(srcLog).size * copies
  // Each re-keyed id is 2 bytes longer, so the size is at least copies × the source size.
  if (fs.existsSync(log) && fs.existsSync(labels) && fs.statSync(log).size > expected) {
    return {log, labels, built: false}
  }
  const t0 = performance.now()
  const text = fs.readFileSync(srcLog, 'utf8')
  const labelLines = fs.readFileSync(srcLabels, 'utf8').split('\n')
  const head = labelLines[0]
  const rows = labelLines.slice(1).filter(Boolean)
  const tmpLog = `${log}.tmp`
  const tmpLabels = `${labels}.tmp`
  const fd = fs.openSync(tmpLog, 'w')
  const fl = fs.openSync(tmpLabels, 'w')
  writeAll(fl, head + '\n')
  for (let c = 0; c < copies; c++) {
    const suffix = String(c % blockSets).padStart(2, '0')
    const rekey = (_m, digits) => `blk_${digits}${suffix}`
    // In chunks of ~4 MB cut at newlines, so no single giant string is built per copy.
    let start = 0
    while (start < text.length) {
      let end = Math.min(text.length, start + 4_000_000)
      if (end < text.length) end = text.indexOf('\n', end) + 1 || text.length
      writeAll(fd, text.slice(start, end).replace(BLK, rekey))
      start = end
    }
    if (!text.endsWith('\n')) writeAll(fd, '\n')
    if (c < blockSets) writeAll(fl, rows.map((r) => r.replace(BLK, rekey)).join('\n') + '\n')
  }
  fs.closeSync(fd)
  fs.closeSync(fl)
  fs.renameSync(tmpLog, log)
  fs.renameSync(tmpLabels, labels)
  console.log(`built ${log} (${copies} copies, ${(fs.statSync(log).size / 2 ** 30).toFixed(2)} GB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return {log, labels, built: true}
}
