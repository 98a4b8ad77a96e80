"""Python peer for bench/parse-speed.mjs: Drain3 (default config, no persistence) over a log file.

Reads the file line by line, takes each HDFS line's content (the text after the `component: `
header, as Flare's hdfs format does), mines it, and prints one JSON line with the timing.
Usage: python drain3_peer.py FILE
       python drain3_peer.py --lines FILE   (bench/parse-speed-loghub.mjs: every line is one message
       content, mined whole; the same one JSON timing line out)
       python drain3_peer.py --contents CONTENTS.json   (bench/parse-ga.mjs: a JSON list of message
       contents in; one JSON line out with each message's final cluster id and every cluster's template)
"""
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)
from drain3 import TemplateMiner  # noqa: E402
from drain3.template_miner_config import TemplateMinerConfig  # noqa: E402


def grouping(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        contents = json.load(f)
    miner = TemplateMiner(config=TemplateMinerConfig())
    t0 = time.perf_counter()
    ids = [miner.add_log_message(c)["cluster_id"] for c in contents]
    seconds = time.perf_counter() - t0
    templates = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    print(json.dumps({"ids": ids, "templates": templates, "seconds": seconds}))


def main() -> None:
    if sys.argv[1] == "--contents":
        grouping(sys.argv[2])
        return
    whole = sys.argv[1] == "--lines"
    path = sys.argv[2] if whole else sys.argv[1]
    config = TemplateMinerConfig()
    miner = TemplateMiner(config=config)
    lines = 0
    t0 = time.perf_counter()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            cut = -1 if whole else line.find(": ")
            content = line[cut + 2:] if cut >= 0 else line
            miner.add_log_message(content)
            lines += 1
    seconds = time.perf_counter() - t0
    print(json.dumps({"lines": lines, "seconds": seconds, "lines_per_s": lines / seconds, "clusters": len(miner.drain.clusters)}))


if __name__ == "__main__":
    main()
