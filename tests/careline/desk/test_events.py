"""Customer messages reach the desk through Rasa's real event brokers (SQL and RabbitMQ)."""

from __future__ import annotations

import asyncio
import time
import uuid

from careline.desk.events import (
    BrokerMessage, PikaEventSource, SqlEventSource, to_message,
)


def test_only_text_messages_not_sent_by_the_desk_become_lines():
    assert to_message("c", {"event": "user", "text": "hi", "timestamp": 1.0}).speaker == "customer"
    assert to_message("c", {"event": "bot", "text": "x", "timestamp": 1.0,
                            "metadata": {"source": "desk"}}) is None
    assert to_message("c", {"event": "bot", "text": "bot says", "timestamp": 1.0}).speaker == "bot"
    assert to_message("c", {"event": "slot", "name": "a", "value": 1}) is None
    assert to_message("c", {"event": "user", "text": None}) is None


async def _collect(source, count: int, timeout: float = 20.0) -> list[BrokerMessage]:
    received: list[BrokerMessage] = []
    done = asyncio.Event()

    async def handle(message: BrokerMessage) -> None:
        received.append(message)
        if len(received) >= count:
            done.set()

    task = asyncio.create_task(source.run(handle))
    try:
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return received


def _events(sender: str) -> list[dict]:
    now = time.time()
    return [{"sender_id": sender, "event": "user", "text": "are you still there?",
             "timestamp": now},
            {"sender_id": sender, "event": "action", "name": "action_listen", "timestamp": now},
            {"sender_id": sender, "event": "user", "text": "hello??", "timestamp": now + 1}]


async def test_sql_broker_events_reach_the_desk_and_the_cursor_moves(tmp_path):
    from rasa.core.brokers.sql import SQLEventBroker

    path = tmp_path / "events.db"
    broker = SQLEventBroker(db=str(path))
    for event in _events("sql-conv"):
        broker.publish(event)
    saved: list[int] = []

    async def load() -> int:
        return saved[-1] if saved else 0

    async def save(position: int) -> None:
        saved.append(position)

    source = SqlEventSource(f"sqlite:///{path}", load_cursor=load, save_cursor=save,
                            interval=0.05)
    received = await _collect(source, 2)
    assert [m.text for m in received] == ["are you still there?", "hello??"]
    assert received[0].conversation_id == "sql-conv"
    assert saved and saved[-1] == 3
    broker.publish(_events("sql-conv")[0] | {"text": "third"})
    resumed = await _collect(SqlEventSource(f"sqlite:///{path}", load_cursor=load,
                                            save_cursor=save, interval=0.05), 1)
    assert [m.text for m in resumed] == ["third"], "a restarted desk resumes from its cursor"


async def test_sql_source_waits_for_rasa_to_create_the_table(tmp_path):
    from rasa.core.brokers.sql import SQLEventBroker

    path = tmp_path / "later.db"

    async def zero() -> int:
        return 0

    async def ignore(_: int) -> None:
        return None

    source = SqlEventSource(f"sqlite:///{path}", load_cursor=zero, save_cursor=ignore,
                            interval=0.05)
    collecting = asyncio.create_task(_collect(source, 1))
    await asyncio.sleep(0.3)
    SQLEventBroker(db=str(path)).publish(_events("late")[0])
    assert [m.text for m in await collecting] == ["are you still there?"]


async def test_rabbitmq_events_from_rasas_pika_broker_reach_the_desk():
    """Rasa's own PikaEventBroker publishes; the desk's queue on the same exchange consumes."""
    import aio_pika
    from rasa.core.brokers.pika import PikaEventBroker

    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"careline-test-{suffix}", f"careline-desk-test-{suffix}"
    url = "amqp://guest:guest@127.0.0.1:5672/"
    source = PikaEventSource(url, queue=queue, exchange=exchange)
    collecting = asyncio.create_task(_collect(source, 2))
    broker = PikaEventBroker(host="127.0.0.1", username="guest", password="guest",
                             queues=[f"rasa-{suffix}"], exchange_name=exchange)
    try:
        await broker.connect()
        await asyncio.sleep(1.0)  # let the desk bind its queue before publishing
        for event in _events("pika-conv"):
            broker.publish(event)
        received = await collecting
        assert [m.text for m in received] == ["are you still there?", "hello??"]
        assert {m.conversation_id for m in received} == {"pika-conv"}
    finally:
        await broker.close()
        connection = await aio_pika.connect(url)
        channel = await connection.channel()
        for name in (queue, f"rasa-{suffix}"):
            await channel.queue_delete(name)
        await channel.exchange_delete(exchange)
        await connection.close()


def test_the_desk_reads_the_broker_rasa_is_configured_with(tmp_path, engine):
    from careline.desk.app import default_event_source
    from careline.desk.service import DeskService
    from careline.settings import Settings

    desk = DeskService(engine)
    local = default_event_source(Settings(data_dir=tmp_path), desk)
    assert isinstance(local, SqlEventSource)
    assert local.reader.url == f"sqlite:///{tmp_path / 'events.db'}"
    production = default_event_source(
        Settings(data_dir=tmp_path, event_broker_url="amqp://u:p@mq:5672/",
                 desk_event_queue="desk-q"), desk)
    assert isinstance(production, PikaEventSource)
    assert production.queue_name == "desk-q" and production.exchange_name == "rasa-exchange"


def test_a_wordless_photo_and_a_pressed_button_reach_the_desk_as_the_customer_meant():
    photo = to_message("c", {"event": "user", "timestamp": 1.0, "text": "/out_of_scope",
                             "parse_data": {"intent": {"name": "out_of_scope"}},
                             "metadata": {"media": [{"url": "https://m.example/p.jpg",
                                                     "content_type": "image/jpeg"}]}})
    assert photo.text == "" and photo.media[0].url == "https://m.example/p.jpg"
    button = to_message("c", {"event": "user", "timestamp": 2.0, "text": "/deny",
                              "parse_data": {"intent": {"name": "deny"}}})
    assert button.text == "[said no]"
