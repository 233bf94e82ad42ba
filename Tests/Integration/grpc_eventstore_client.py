"""Drives Causeway's gRPC event-store API from Python, with stubs generated from the same proto.

Usage: grpc_eventstore_client.py PROTO_ROOT GRPC_PORT HTTP_PORT

The store belongs to a running `causeway serve all --grpc`: the test writes to its own
`pytest-*` streams (no service reacts to them) and watches an order placed over HTTP arrive
on a live subscription.
"""
import json
import os
import queue
import sys
import tempfile
import threading
import urllib.request
import uuid

import grpc
from grpc_tools import protoc

proto_root, grpc_port, http_port = sys.argv[1], sys.argv[2], sys.argv[3]
out = tempfile.mkdtemp(prefix="causeway-pystubs-")
proto = "causeway/eventstore/v1/eventstore.proto"
include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
if protoc.main(["protoc", f"-I{proto_root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", proto]) != 0:
    sys.exit("protoc failed to generate the Python stubs")
sys.path.insert(0, out)
from causeway.eventstore.v1 import eventstore_pb2 as pb  # noqa: E402
from causeway.eventstore.v1 import eventstore_pb2_grpc as rpc  # noqa: E402

channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
store = rpc.EventStoreStub(channel)
run = uuid.uuid4().hex[:8]
stream = f"pytest-{run}"


def event(n, type_="order-approved", payload=b"{}"):
    return pb.ProposedEvent(event_id=f"py-{run}-{n}", type=type_, payload=payload, occurred_at_millis=1_700_000_000_000,
                            correlation_id=f"py-{run}", causation_id=f"py-{run}")


def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, timeout=5, **kwargs)
    except grpc.RpcError as e:
        assert e.code() == code, (e.code(), e.details())
        return e
    raise AssertionError(f"expected {code}, the call succeeded")


# Append, then a wrong expected version: FAILED_PRECONDITION with the actual version.
first = store.Append(pb.AppendRequest(stream_id=stream, no_stream=pb.Empty(), events=[event(1), event(2)]), timeout=5)
assert first.last_version == 2 and first.last_position == first.first_position + 1 and not first.was_duplicate, first
e = expect_error(grpc.StatusCode.FAILED_PRECONDITION, store.Append,
                 pb.AppendRequest(stream_id=stream, exact=5, events=[event(3)]))
trailers = dict(e.trailing_metadata())
assert trailers.get("causeway-actual-version") == "2", trailers
assert trailers.get("causeway-error-code") == "wrong-expected-version", trailers

# A retried append with the same event ids succeeds once: the original result, nothing written.
retry = store.Append(pb.AppendRequest(stream_id=stream, no_stream=pb.Empty(), events=[event(1), event(2)]), timeout=5)
assert retry.was_duplicate and retry.last_version == 2 and retry.first_position == first.first_position, retry
second = store.Append(pb.AppendRequest(stream_id=stream, exact=2, events=[event(3)]), timeout=5)
assert second.last_version == 3 and second.first_position > first.last_position, second

# Bad arguments name the field.
e = expect_error(grpc.StatusCode.INVALID_ARGUMENT, store.Append,
                 pb.AppendRequest(stream_id="has space", any=pb.Empty(), events=[event(9)]))
assert e.details().startswith("stream_id"), e.details()
e = expect_error(grpc.StatusCode.INVALID_ARGUMENT, store.Append,
                 pb.AppendRequest(stream_id=stream, any=pb.Empty(), events=[event(9, payload=b"{oops")]))
assert e.details().startswith("events[0]"), e.details()

# Read the stream both ways, and the whole log from a position.
forwards = store.ReadStream(pb.ReadStreamRequest(stream_id=stream, from_version=1), timeout=5).events
assert [x.stream_version for x in forwards] == [1, 2, 3], forwards
assert [x.event_id for x in forwards] == [f"py-{run}-1", f"py-{run}-2", f"py-{run}-3"]
assert forwards[0].type == "order-approved" and forwards[0].correlation_id == f"py-{run}"
assert forwards[0].occurred_at_millis == 1_700_000_000_000 and forwards[0].recorded_at_millis > 0
backwards = store.ReadStream(pb.ReadStreamRequest(stream_id=stream, direction=pb.READ_DIRECTION_BACKWARDS, limit=2),
                             timeout=5).events
assert [x.stream_version for x in backwards] == [3, 2], backwards
everything = store.ReadAll(pb.ReadAllRequest(after_position=first.first_position - 1, limit=10_000), timeout=5).events
mine = [x.global_position for x in everything if x.stream_id == stream]
assert mine == [first.first_position, first.last_position, second.first_position], mine
positions = [x.global_position for x in everything]
assert positions == sorted(positions) and len(set(positions)) == len(positions)

# Subscribe: live events arrive (our own append, and an order placed over HTTP); cancelling ends
# the stream.
received = queue.Queue()
follow = store.Subscribe(pb.SubscribeRequest(after_position=second.last_position))
only_created = store.Subscribe(pb.SubscribeRequest(after_position=second.last_position, event_types=["order-created"]))


def drain(call, name):
    try:
        for message in call:
            received.put((name, message.event))
    except grpc.RpcError as e:
        received.put((name, e.code()))


threads = [threading.Thread(target=drain, args=(follow, "all"), daemon=True),
           threading.Thread(target=drain, args=(only_created, "created"), daemon=True)]
for t in threads:
    t.start()
store.Append(pb.AppendRequest(stream_id=stream, exact=3, events=[event(4)]), timeout=5)
body = {"customerId": "pyclient", "currency": "EUR", "items": [{"sku": "widget", "quantity": 1, "unitPrice": 100}]}
request = urllib.request.Request(f"http://127.0.0.1:{http_port}/orders", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request) as r:
    order_id = json.load(r)["orderId"]

seen = {"all": [], "created": []}
order_stream = f"order-{order_id}"
while not (f"py-{run}-4" in [e.event_id for e in seen["all"]]
           and any(e.stream_id == order_stream for e in seen["all"])
           and any(e.stream_id == order_stream for e in seen["created"])):
    name, item = received.get(timeout=10)
    assert not isinstance(item, grpc.StatusCode), (name, item)
    seen[name].append(item)
assert all(e.type == "order-created" for e in seen["created"]), seen["created"]
order_events = [e.type for e in seen["all"] if e.stream_id == order_stream]
assert order_events[:1] == ["order-created"], order_events
positions = [e.global_position for e in seen["all"]]
assert positions == sorted(positions) and positions[0] > second.last_position, positions

follow.cancel()
only_created.cancel()
for t in threads:
    t.join(timeout=10)
    assert not t.is_alive(), "a cancelled subscription did not end"
ends = []
while not received.empty():
    name, item = received.get()
    if isinstance(item, grpc.StatusCode):
        ends.append(item)
assert ends == [grpc.StatusCode.CANCELLED] * 2, ends
print(f"grpc from python: append, conflict, retry, bad arguments, reads and subscriptions passed ({stream})")
