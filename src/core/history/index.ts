/** The incident memory: what commands and the server import. */
export {HistoryStore, seenBeforeLine, type RecordedRun, type RunRecord, type SimilarIncident} from './store.js'
export {defaultHistoryPath, historyError} from './db.js'
export {incidentSignature, templateHash} from './signature.js'
export {pastIncidentContext, historyPathFromFlags} from './context.js'
