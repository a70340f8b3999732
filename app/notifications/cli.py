"""`flask notifications`: the sends whose outcome nobody knows, for ops to reconcile."""
import click
from flask.cli import AppGroup

from app.core.extensions import db
from app.notifications import service
from app.notifications.jobs import send_notification
from app.notifications.models import Notification

notifications_cli = AppGroup("notifications", help="Notification delivery records.")


@notifications_cli.command("unknown")
def unknown_command():
    """List notifications whose send was attempted but whose outcome was never recorded."""
    rows = service.unknown_notifications()
    for n in rows:
        # No recipient: the openid is personal data; the user id finds the person.
        click.echo(f"{n.id}\tuser {n.user_id}\t{n.dedupe_key}\tattempted {n.last_attempt_at:%Y-%m-%d %H:%M:%S}Z"
                   f"\t{n.error or ''}")
    click.echo(f"{len(rows)} notification(s) with an unknown outcome")


@notifications_cli.command("release")
@click.argument("notification_id", type=int)
def release_command(notification_id):
    """Send an unknown notification again, once you know the first never arrived."""
    if not service.release_unknown(notification_id):
        raise click.ClickException(f"notification {notification_id} is not unknown")
    db.session.commit()
    send_notification(notification_id)
    click.echo(f"notification {notification_id}: {db.session.get(Notification, notification_id).status}")
