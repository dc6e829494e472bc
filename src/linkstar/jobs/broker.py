"""Dramatiq brokers: in-memory for the embedded runner, Redis or RabbitMQ when configured."""

from __future__ import annotations

from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker

from linkstar.kit.errors import LinkStarError


class BrokerUnavailable(LinkStarError):
    code = "broker_unavailable"
    status = 503


def make_broker(url: str) -> Broker:
    """A broker for `url`; an empty URL gives the in-process stub broker."""
    if not url:
        return StubBroker()
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url)
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url)
    raise BrokerUnavailable(f"unsupported broker URL scheme: {url.split(':', 1)[0]}")


def broker_ping(url: str, timeout: float = 3.0) -> None:
    """Raise BrokerUnavailable with a one-line reason unless the broker answers."""
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
            client.ping()
            client.close()
        elif url.startswith(("amqp://", "amqps://")):
            import pika

            params = pika.URLParameters(url)
            params.socket_timeout = timeout
            params.blocked_connection_timeout = timeout
            params.connection_attempts = 1
            connection = pika.BlockingConnection(params)
            connection.close()
        else:
            raise BrokerUnavailable(f"unsupported broker URL scheme: {url.split(':', 1)[0]}")
    except BrokerUnavailable:
        raise
    except Exception as exc:  # any client error means "not reachable"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrokerUnavailable(f"broker unreachable: {reason}") from exc
