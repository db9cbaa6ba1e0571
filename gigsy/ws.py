"""Shared WebSocket pieces. `HealthConsumer` lets probes and the dev router prove the ASGI
process is up and routing `/ws/`."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class HealthConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.send_json({"type": "hello", "status": "ok"})

    async def receive_json(self, content: object, **kwargs: object) -> None:
        await self.send_json({"type": "echo", "data": content})
