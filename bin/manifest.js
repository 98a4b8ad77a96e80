#!/usr/bin/env node
// Writes oclif.manifest.json after each build (`npm run build`). With it, oclif finds a command
// without importing every command module first, which takes most of a second off each start.
import {writeFileSync} from 'node:fs'
import {Plugin} from '@oclif/core'

const root = new URL('..', import.meta.url).pathname
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 1))
console.error(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)
