"""The LMS domain model: one module per aggregate, all on :class:`Base`."""

from .audit import AppendOnlyError, AuditEvent
from .base import Base, UTCDateTime, utcnow
from .certificates import Certificate, CertificateStatus
from .courses import (
    Audience,
    CertificationTrack,
    Course,
    CoursePrerequisite,
    RenewalBasis,
    RenewalMethod,
    TrackRenewalPath,
)
from .enrollment import (
    IN_A_KNOWN_SESSION,
    PLACE_LISTING,
    SEAT_HOLDING,
    SESSION_LISTING,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    ManageLink,
)
from .feeds import FeedChange
from .mail import MailCategory, MailState, OutboxMessage
from .mail_preferences import MailPreference
from .organizations import AgencyType, Organization, OrganizationKind
from .people import AccountToken, LoginSession, Person, Role, RoleAssignment, TokenPurpose
from .records import (
    AttendanceRecord,
    Certification,
    CertificationSource,
    Completion,
    EvaluationKind,
    EvaluationResult,
    PriorTraining,
)
from .sessions import (
    CourseSession,
    InstructorRemoval,
    InstructorRole,
    Meeting,
    SessionGroupAllocation,
    SessionInstructor,
    SessionStatus,
)
from .stamps import CatalogStamp
from .transcripts import IssuedTranscript

__all__ = [
    "IN_A_KNOWN_SESSION",
    "PLACE_LISTING",
    "SESSION_LISTING",
    "AccountToken",
    "AgencyType",
    "AppendOnlyError",
    "AttendanceRecord",
    "Audience",
    "AuditEvent",
    "Base",
    "Certificate",
    "CatalogStamp",
    "CertificateStatus",
    "Certification",
    "CertificationSource",
    "CertificationTrack",
    "Completion",
    "Course",
    "CoursePrerequisite",
    "CourseSession",
    "Enrollment",
    "EnrollmentSource",
    "EnrollmentStatus",
    "EvaluationKind",
    "EvaluationResult",
    "FeedChange",
    "InstructorRole",
    "IssuedTranscript",
    "LoginSession",
    "MailCategory",
    "ManageLink",
    "MailState",
    "Meeting",
    "PriorTraining",
    "Organization",
    "MailPreference",
    "OutboxMessage",
    "OrganizationKind",
    "Person",
    "RenewalBasis",
    "RenewalMethod",
    "Role",
    "RoleAssignment",
    "SEAT_HOLDING",
    "SessionGroupAllocation",
    "InstructorRemoval",
    "SessionInstructor",
    "SessionStatus",
    "TokenPurpose",
    "TrackRenewalPath",
    "UTCDateTime",
    "utcnow",
]
