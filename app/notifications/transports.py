"""One transport per channel: `send(notification)` delivers or raises.

A transport raises NotDeliverable when the message cannot go out for a reason on
our side that retrying will not fix (no template configured), and lets WeChatError
through for the service to sort into permanent and transient failures.
"""
from flask import current_app

from app.core.extensions import wechat
from app.notifications.models import WECHAT_SUBSCRIBE


class NotDeliverable(Exception):
    """This message can never be sent as it is; record it, do not retry."""


class WeChatSubscribeTransport:
    """Mini-program subscribe messages (订阅消息) through the WeChat API."""

    channel = WECHAT_SUBSCRIBE

    def __init__(self, *, client, template_ids, state):
        self.client = client
        self.template_ids = template_ids
        self.state = state

    def send(self, notification):
        template_id = self.template_ids.get(notification.template)
        if not template_id:
            raise NotDeliverable("template not configured")
        payload = notification.payload
        self.client.send_subscribe_message(
            notification.recipient, template_id, payload["data"], page=payload.get("page"), state=self.state
        )


def template_ids_from_config(config):
    """{"report_status": id}: every WECHAT_TEMPLATE_<NAME> setting, by lower-case name."""
    prefix = "WECHAT_TEMPLATE_"
    return {key[len(prefix):].lower(): value for key, value in config.items() if key.startswith(prefix)}


def transport_for(channel):
    if channel == WECHAT_SUBSCRIBE:
        config = current_app.config
        return WeChatSubscribeTransport(client=wechat.get(), template_ids=template_ids_from_config(config),
                                        state=config["MINIPROGRAM_STATE"])
    raise NotDeliverable(f"no transport for channel {channel}")
