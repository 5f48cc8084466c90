#!/usr/bin/env python3
"""A tsk client in Python, generated from proto/ (see README, "gRPC clients in other languages").

    protoc -I proto --python_out=OUT --grpc_python_out=OUT \
        --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin proto/tsk/v1/*.proto
    PYTHONPATH=OUT python3 test/python/tsk_client_demo.py 127.0.0.1:6443

It creates a ConfigMap, reads it back, lists, then watches while updating it, printing one JSON
line per step so the test in test/python can check what a Python user sees.
"""
import json
import sys
import threading

import grpc
from tsk.v1 import api_pb2, api_pb2_grpc, core_pb2, meta_pb2


def say(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def main(address, name):
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=10)
    objects = api_pb2_grpc.ObjectsStub(channel)

    cm = core_pb2.ConfigMap(
        metadata=meta_pb2.ObjectMeta(name=name, namespace="default", labels={"from": "python"}),
        data={"greeting": "hello"},
    )
    created = objects.Create(api_pb2.CreateRequest(object=api_pb2.Object(configMap=cm)), timeout=10)
    say("create", uid=created.configMap.metadata.uid, resourceVersion=created.configMap.metadata.resourceVersion)

    got = objects.Get(api_pb2.GetRequest(kind="ConfigMap", namespace="default", name=name), timeout=10)
    say("get", data=dict(got.configMap.data))

    listed = objects.List(api_pb2.ListRequest(kind="configmaps", namespace="default", labelSelector="from=python"), timeout=10)
    say("list", names=[o.configMap.metadata.name for o in listed.items])

    try:
        objects.Get(api_pb2.GetRequest(kind="ConfigMap", namespace="default", name="absent-" + name), timeout=10)
    except grpc.RpcError as err:
        say("get-missing", code=err.code().name)

    stream = objects.Watch(
        api_pb2.WatchRequest(kind="ConfigMap", namespace="default", resourceVersion=listed.metadata.resourceVersion),
        timeout=20,
    )
    events = []

    def read():
        for event in stream:
            if event.type == "BOOKMARK":
                continue
            events.append((event.type, event.object.configMap.metadata.name, dict(event.object.configMap.data)))
            if len(events) == 2:
                stream.cancel()
                return

    reader = threading.Thread(target=read)
    reader.start()
    cm = got.configMap
    cm.data["greeting"] = "bonjour"
    objects.Update(api_pb2.UpdateRequest(object=api_pb2.Object(configMap=cm)), timeout=10)
    objects.Delete(api_pb2.DeleteRequest(kind="ConfigMap", namespace="default", name=name), timeout=10)
    reader.join(timeout=15)
    say("watch", events=[list(e) for e in events])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "from-python")
