"""Every table of the application, imported in one place so that Alembic sees them all."""

from agreements_sync.models import (  # noqa: F401
    Agreement,
    AgreementSupplier,
    AgreementVersion,
    IndexState,
    SyncRun,
)

# Each area registers its tables here (one import line each), e.g.:
# from bot.conversations.models import *  # noqa: F401,F403
from bot.conversations.models import *  # noqa: F401,F403  (conversation_ref, conversation_state, feedback, question_log)
from bot.courses.models import *  # noqa: F401,F403  (courses, enrolments)
from bot.announcements.models import *  # noqa: F401,F403  (announcements, recipients, category interest, admin log)
from bot.outbox.models import *  # noqa: F401,F403  (outbox)
from bot.alerts.models import *  # noqa: F401,F403  (alert_milestone, alert_decision, alert_owner)
from bot.scheduler import JobLease  # noqa: F401  (job_lease: one run per job and tick across instances)
from bot.privacy.models import PrivacyLog  # noqa: F401  (privacy_log: exports, deletions, retention runs)
from bot.search.learning import TaughtAnswer  # noqa: F401  (taught_answer: questions linked to agreements)
from bot.search.semantic import TextEmbedding  # noqa: F401  (text_embedding: cached semantic vectors)
