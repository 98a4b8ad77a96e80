export {type MaskingConfig, type Param, type ParamType, defaultMaskingConfig} from './config.js'
export {Masker} from './masker.js'
export {WILDCARD, classifySegment, hasDigit} from './classify.js'
