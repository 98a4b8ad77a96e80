export {TemplateMiner, type AddResult, type MatchResult, type TemplateInfo, type TemplateChange} from './miner.js'
export {
  type TemplateMinerConfig,
  type TemplateMinerOptions,
  type FormatName,
  defaultTemplateMinerConfig,
  formatDefaults,
  configForFormat,
  resolveConfig,
} from './config.js'
export {type DrainConfig, defaultDrainConfig, DrainTree, Cluster, similarity} from './drain.js'
export {type MaskingConfig, type Param, type ParamType, defaultMaskingConfig, Masker, classifySegment, WILDCARD} from './masking/index.js'
export {type TemplateState, TEMPLATE_STATE_VERSION} from './state.js'
// Validation (zod) is in './state-schema.js', imported by the callers that read state files.
export {Refinement, type SplitTemplate, MAX_WORD_VALUES, isWordValue} from './refine.js'
