#!/usr/bin/env bash
# Provisions a single-node Apache Kafka for the integration tests: the broker's classpath from
# Maven Central (test/setup/kafka/pom.xml), written to test/setup/kafka/classpath.txt. Needs Java
# 17+ and Maven; without them it says so and the Kafka tests skip. Idempotent: nothing is fetched
# when the classpath file is newer than the pom and every jar in it is present.
set -euo pipefail
cd "$(dirname "$0")/kafka"
out=classpath.txt
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  echo "provision: java or mvn not found; the Kafka tests will be skipped (apt-get install openjdk-17-jre-headless maven)" >&2
  # CI asks for the Kafka tests: skipping them there would hide the broken setup.
  [ "${FLARE_KAFKA_TESTS:-}" = required ] && exit 1
  exit 0
fi
if [ -s "$out" ] && [ "$out" -nt pom.xml ] && tr ':' '\n' < "$out" | while read -r jar; do [ -f "$jar" ] || exit 1; done; then
  exit 0
fi
echo "provision: resolving the Kafka broker's jars with Maven (first run only, about a minute)" >&2
tmp=$(mktemp)
mvn -q -B dependency:build-classpath -Dmdep.outputFile="$tmp" >&2
mv "$tmp" "$out"
