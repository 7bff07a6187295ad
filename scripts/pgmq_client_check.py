"""Drives our pgmq facade with the unmodified `pgmq` client from PyPI (run by PgmqClientTests).

Expects three undelivered alert messages in topic `alerts`. Connection from PGHOST (socket folder), PGPORT, PGDATABASE.
Prints one line per check and `pgmq client OK` at the end; any failed check raises (non-zero exit).
"""
import json
import os

import psycopg
from pgmq import PGMQueue

host, port, db = os.environ["PGHOST"], os.environ["PGPORT"], os.environ["PGDATABASE"]
queue = PGMQueue(host=host, port=port, database=db, username="postgres", password="postgres", init_extension=False)


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}")


names = [q.queue_name for q in queue.list_queues()]
check("alerts" in names and "data_quality" in names, f"list_queues shows our topics {names}")

messages = queue.read("alerts", vt=30, qty=5)
check(len(messages) == 3, f"read 3 alerts (got {len(messages)})")
check(all(m.message["schema"] == "alert.v1" and m.read_ct == 1 for m in messages), "each is an alert.v1 object, read_ct 1")
check(queue.read("alerts", vt=30, qty=5) == [], "read hides them for vt seconds")
first, second, third = messages

again = queue.set_vt("alerts", first.msg_id, 0)
check(again is not None and again.msg_id == first.msg_id, "set_vt returns the message")
reread = queue.read("alerts", vt=30, qty=1)
check(reread is not None and reread.msg_id == first.msg_id and reread.read_ct == 2, "set_vt 0 makes it readable again, read_ct 2")

check(queue.delete("alerts", first.msg_id) is True, "delete -> True")
check(queue.delete("alerts", first.msg_id) is False, "delete again -> False")
check(queue.archive("alerts", second.msg_id) is True, "archive -> True")
check(queue.archive_batch("alerts", [third.msg_id]) == [third.msg_id], "archive_batch -> the ids")

metrics = queue.metrics("alerts")
check(metrics.queue_name == "alerts" and metrics.queue_length == 0 and metrics.queue_visible_length == 0,
      f"metrics: queue_length 0 ({metrics})")
check(metrics.total_messages >= 3, "metrics: total_messages counts ids handed out")
check(any(m.queue_name == "data_quality" for m in queue.metrics_all()), "metrics_all lists every topic")

sent = queue.send("alerts", {"probe": 1})
batch = queue.send_batch("alerts", [{"probe": 2}, {"probe": 3}])
check(len(batch) == 2 and batch[0] > sent, "send and send_batch return increasing ids")
popped = queue.pop("alerts")
check(popped is not None and popped.message == {"probe": 1}, "pop returns the oldest")

# Positional clients read columns 0-4 as (msg_id, read_ct, enqueued_at, vt, message).
with psycopg.connect(queue.config.dsn if hasattr(queue, "config") else f"host={host} port={port} dbname={db} user=postgres") as conn:
    row = conn.execute("SELECT * FROM pgmq.read('alerts', 30, 1)").fetchone()
check(row is not None and row[0] == batch[0] and row[1] == 1 and row[4] == {"probe": 2}, "positional columns 0-4")
check(queue.purge("alerts") == 2, "purge_queue counts what it removed")
print(json.dumps({"acked": [first.msg_id, second.msg_id, third.msg_id]}))
print("pgmq client OK")
