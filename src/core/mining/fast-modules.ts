/**
 * What only the HDFS byte fast path and its worker threads use, loaded together (run.ts imports
 * this dynamically once a log is known to be HDFS): other logs, and every small `flare detect`,
 * do without loading it.
 */
export {EventWords, readEvents, writeEvents} from './fast-events.js'
export {FastMiner} from './fast-miner.js'
export {HdfsFastPath} from './fast-path.js'
export {warmUp, warmUpOn} from './warm-up.js'
export {ParsePool, SLOT_INPUT, poolSize} from './worker-pool.js'
