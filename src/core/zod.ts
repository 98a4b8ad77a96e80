/**
 * zod, as Flare uses it: every module imports `* as z` from here, never 'zod' itself. The build
 * (bin/bundle-zod.js) replaces this file's output with one file holding only what these members
 * need: loaded as zod's own ~95 modules (60 of them locales), zod took ~70 ms of every start.
 * A member missing here is a type error where it is used: add it to the list.
 */
export {array, boolean, coerce, enum, literal, looseObject, null, number, object, record, strictObject, string, toJSONSchema, tuple, union, ZodError, ZodType} from 'zod'
export type {core, infer} from 'zod'
