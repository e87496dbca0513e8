"""`parvis reclassify` after a model change."""
from click.testing import CliRunner
from flask.cli import ScriptInfo

from inbox.extensions import db
from inbox.models import Message
from tests.helpers import post_signed
from workers import classify
from workers.cli import main


def test_reclassify_a_channel_rewrites_its_messages_with_the_current_model(app, client, factory, use_classifier):
    first, second = factory.channel(name="A"), factory.channel(name="B")
    post_signed(client, first, factory.payload(text="fuite de gaz devant l'école"))
    post_signed(client, second, factory.payload(text="Merci beaucoup !"))
    classify.classify_pending()
    db.session.execute(db.update(Message).values(model_version="old-model", urgency="low"))
    db.session.commit()
    info = ScriptInfo(create_app=lambda: app)
    result = CliRunner().invoke(main, ["reclassify", "--channel", str(first.id)], obj=info,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 messages to reclassify" in result.output
    db.session.expire_all()
    by_channel = {m.channel_id: m for m in Message.query.all()}
    assert by_channel[first.id].model_version == use_classifier.version
    assert by_channel[first.id].urgency == "critical"
    assert by_channel[second.id].model_version == "old-model"
    refused = CliRunner().invoke(main, ["reclassify"], obj=info)
    assert refused.exit_code != 0 and "Say what to reclassify" in refused.output
