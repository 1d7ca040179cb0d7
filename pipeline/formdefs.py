"""The three ECVET forms (annexes I, II and III), each declared once.

A declaration says, per section, what the school prints (`Show`: a value from the
resolved mobility), what the host, learner or supervisor fills in (`Fill`, `Ratings`,
`Signature`), and explanatory text (`Note`). It drives the render context, hence the DOCX
and the PDF layout; the PDF field names and the JSON pointers they read back into; and
the translation keys (every label is an English msgid marked with `N_`).

Paths in `Show` are dotted keys into the view built by `pipeline.resolve`; inside
`ForEachUnit` they start at the unit (`unit.title`). `Fill.maps_to` is a JSON pointer into
the returned-data model, with `{unit}` standing for the unit's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.i18n import N_, NC_


@dataclass(frozen=True)
class Show:
    """A value the school agreed, printed on the page (never an editable field)."""

    label: str
    path: str
    fmt: str = "text"
    when: str | None = None


@dataclass(frozen=True)
class Fill:
    """A form field the host, the learner or a supervisor completes."""

    key: str
    label: str
    maps_to: str
    kind: str = "text"  # text | multiline | date | points
    lines: int = 1
    by: str = "host"  # who fills it in
    required: bool = True


@dataclass(frozen=True)
class Note:
    """Explanatory text printed as a paragraph; `pdf_only` for instructions about the
    fillable PDF, which a printed DOCX must not repeat."""

    text: str
    when: str | None = None
    pdf_only: bool = False


@dataclass(frozen=True)
class Heading:
    """A sub-heading showing a value (e.g. the unit's title)."""

    label: str
    path: str
    fmt: str = "text"


@dataclass(frozen=True)
class Ratings:
    """One radio group per criterion of the unit's criteria set (annex II)."""

    maps_to: str = "/assessments/{unit}/ratings/{nr}"
    by: str = "supervisor"


@dataclass(frozen=True)
class Signature:
    """A signature block: name, role, place and date fields plus a /Sig field; `org` is
    the organisation (and so the country) the party signs for, printed in the block."""

    party: str
    label: str
    with_role: bool = True
    when: str | None = None
    org: str | None = None


@dataclass(frozen=True)
class ForEachUnit:
    """Items repeated for every unit of learning outcomes of the mobility."""

    items: tuple


@dataclass(frozen=True)
class Section:
    """A numbered section; when `when` does not hold it is left out, or, with `otherwise`,
    printed with that note alone (annex I numbers its sections, so 1.4 stays)."""

    number: str
    title: str
    items: tuple
    when: str | None = None
    otherwise: str | None = None


@dataclass(frozen=True)
class Form:
    id: str  # file-name stem, e.g. learning-agreement
    code: str  # prefix of every PDF field name, e.g. la
    annex: str
    title: str
    version: str  # bump when field names or layout change: read-back depends on it
    intro: tuple = field(default=())
    sections: tuple = field(default=())


# Rating scale of annex II, plus a way out for criteria the host could not assess.
# (export value = the rating's value in the returned data, label, column heading)
RATING_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("1", N_("1 – satisfactory"), "1"),
    ("2", N_("2 – good"), "2"),
    ("3", N_("3 – very good"), "3"),
    # TRANSLATORS: the "not assessed" column of the rating grid: a short abbreviation
    # (about 4 characters) and its explanation in the legend
    ("not_assessed", N_("n/a – not assessed"), NC_("rating column", "n/a")),
)

CRITERIA_GROUPS = {
    # TRANSLATORS: groups of criteria in the Skills Assessment (annex II)
    "health_safety": N_("Health and Safety Rules"),
    "language": N_("Language skills"),
    "social": N_("Social skills"),
    "professional": N_("Professional skills"),
    "other": N_("Other skills"),
}

NOT_APPLICABLE = N_("Not applicable.")
NONE = N_("None.")
# What the host reads at the top of every fillable PDF (never in the DOCX, which is paper).
RETURN_INSTRUCTIONS = N_(
    "How to complete and return this form: open it in Adobe Acrobat Reader (free) or Firefox, "
    "type into the fields, sign in the signature fields and save. Send the saved PDF file back "
    "to the sending organisation by e-mail. Please return the PDF file itself, not a printed "
    "and scanned copy: its answers are read by software. In Chrome or Edge some letters "
    "(e.g. ș ț İ ş ğ ą ė, Greek, Cyrillic, € and „“) may not show once saved; what you typed is "
    "still stored correctly, but to see it use Acrobat Reader or Firefox."
)
SIGNING_HELP = N_(
    "No digital ID yet? In Adobe Acrobat Reader, click a signature field, choose “Configure "
    "new digital ID”, then “Create a new digital ID”, and follow the steps: it takes about a "
    "minute. If you cannot sign digitally, type your name, place and date, save, and say so "
    "in your e-mail: the sending organisation will send you a paper copy to sign."
)
PREVIEW_WARNING = N_("Do not fill in this form with macOS Preview: it can lose what you enter.")
PREVIEW_RATINGS_WARNING = N_(
    "Do not fill in this form with macOS Preview: it loses the ratings you select."
)
HOST_INSTRUCTIONS = (Note(RETURN_INSTRUCTIONS, pdf_only=True), Note(SIGNING_HELP, pdf_only=True))


def _organisation(prefix: str) -> tuple:
    """Annex I rows 1.1, 1.2 and 1.4 share this shape."""
    return (
        Show(N_("Name of organisation"), f"{prefix}.name"),
        Show(N_("Address"), f"{prefix}.address", "address"),
        Show(N_("Telephone/fax"), f"{prefix}.phones", "phones"),
        Show(N_("E-mail"), f"{prefix}.email"),
        Show(N_("Website"), f"{prefix}.website"),
        Show(N_("Contact person"), f"{prefix}.contact", "person"),
        Show(N_("Telephone/fax"), f"{prefix}.contact.phones", "phones"),
        Show(N_("E-mail"), f"{prefix}.contact.email"),
    )


LEARNING_AGREEMENT = Form(
    id="learning-agreement",
    code="la",
    annex="I",
    title=N_("Learning Agreement"),
    version="1",
    intro=(*HOST_INSTRUCTIONS, Note(PREVIEW_WARNING, pdf_only=True)),
    sections=(
        Section("1", N_("Information about the participants"), ()),
        Section("1.1", N_("Information about the Home organisation"), _organisation("organisations.home")),
        Section("1.2", N_("Information about the Host organisation"), _organisation("organisations.host") + (
            Show(N_("Host company (workplace)"), "organisations.host_company.name"),
            Show(N_("Tutor/mentor"), "tutor", "person"),
        )),
        Section("1.3", N_("Information about the learner"), (
            Show(N_("Name and surname"), "learner", "person"),
            Show(N_("Address"), "learner.address", "address"),
            Show(N_("Telephone/fax"), "learner.phones", "phones"),
            Show(N_("E-mail"), "learner.email"),
            Show(N_("Date of birth"), "learner.date_of_birth", "date"),
            Show(N_("Male / Female"), "learner.gender", "gender"),
            Note(N_("Contact details of parents or legal guardian of the learner (if applicable):")),
            Note(NOT_APPLICABLE, when="!learner.guardian"),
            Show(NC_("person", "Name"), "learner.guardian.name", when="learner.guardian"),
            Show(N_("Relationship to the learner"), "learner.guardian.relationship", when="learner.guardian"),
            Show(N_("Address"), "learner.guardian.address", "address", when="learner.guardian"),
            Show(N_("Telephone"), "learner.guardian.phone", when="learner.guardian"),
            Show(N_("E-mail"), "learner.guardian.email", when="learner.guardian"),
        )),
        Section("1.4", N_("Information about the intermediary organisation, if involved"),
                _organisation("organisations.intermediary"), when="organisations.intermediary",
                otherwise=NOT_APPLICABLE),
        Section("1.5", N_("Coordinator organisation"), (
            Show(N_("Name of organisation"), "organisations.coordinator.name"),
            Show(N_("Address"), "organisations.coordinator.address", "address"),
        ), when="organisations.coordinator"),
        Section("2", N_("Learning period abroad – duration"), (
            Show(N_("Start date"), "period.start_date", "date"),
            Show(N_("End date"), "period.end_date", "date"),
            Show(N_("Length of time abroad"), "period", "period"),
        )),
        Section("3", N_("The qualification being taken by the learner – including information on the "
                        "learner's progress (knowledge, skills and competence already acquired)"), (
            Show(N_("Title of the qualification being taken by the learner (also in the language of "
                    "the partnership)"), "qualification.title", "all_languages"),
            Show(N_("EQF level (if appropriate)"), "qualification.eqf_level"),
            Show(N_("NQF level (if appropriate)"), "qualification", "nqf"),
            Show(N_("Information about the student's progress: knowledge, skills, competence"),
                 "qualification.learner_progress"),
            Show(N_("(Units of) learning outcomes already acquired"), "qualification.prior_units", "lines"),
            Note(N_("Enclosures in annex – ticked as appropriate:")),
            Show(N_("Europass CV"), "enclosures.qualification.europass_cv", "tick"),
            Show(N_("Europass Mobility"), "enclosures.qualification.europass_mobility", "tick"),
            Show(N_("Europass Language Passport"), "enclosures.qualification.europass_language_passport", "tick"),
            Show(N_("(Unit[s] of) learning outcomes already acquired by the learner"),
                 "enclosures.qualification.prior_units", "tick"),
            Show(N_("Europass Certificate Supplement"),
                 "enclosures.qualification.europass_certificate_supplement", "tick"),
            Show(N_("European Skills Passport"), "enclosures.qualification.european_skills_passport", "tick"),
            Show(NC_("enclosure", "Other"), "enclosures.qualification.other"),
        )),
        Section("4", N_("Learning outcomes to be achieved during mobility"), (
            ForEachUnit((
                Heading(N_("Title of unit(s)/groups of learning outcomes/parts of units to be acquired"),
                        "unit", "unit"),
                Show(NC_("unit granularity", "Type"), "unit.granularity", "granularity"),
                Show(N_("Number of ECVET points to be acquired while abroad"), "unit.ecvet_points", "number"),
                Show(N_("Learning outcomes to be achieved"), "unit.learning_outcomes", "outcomes"),
            )),
            Show(N_("Total ECVET points to be acquired while abroad"), "ecvet_points_total", "number"),
            Show(N_("Description of the learning activities (e.g. information on location(s) of "
                    "learning, tasks to be completed and/or courses to be attended)"), "learning_activities"),
            Note(N_("Enclosures in annex – ticked as appropriate:")),
            Show(N_("Description of unit(s)/groups of learning outcomes which are the focus of the mobility"),
                 "enclosures.learning_outcomes.unit_descriptions", "tick"),
            Show(N_("Description of the learning activities"),
                 "enclosures.learning_outcomes.activity_descriptions", "tick"),
            Show(N_("Individual's development plan when abroad"),
                 "enclosures.learning_outcomes.development_plan", "tick"),
            Show(NC_("enclosure", "Other"), "enclosures.learning_outcomes.other"),
        )),
        Section("5", N_("Assessment and documentation"), (
            Show(N_("Responsible for assessing the learner's performance (name, organisation, role)"),
                 "assessment.assessors", "responsible"),
            Show(N_("Date(s) of assessment"), "assessment.dates", "dates"),
            Show(NC_("assessment", "Method"), "assessment.method"),
            Show(N_("How and when will the assessment be recorded?"), "assessment.recording"),
            Note(N_("It includes – ticked as appropriate:")),
            Show(N_("Detailed information about the assessment procedure (e.g. methods, criteria, "
                    "assessment grid)"), "enclosures.assessment.procedure_details", "tick"),
            Show(N_("Template for documenting the acquired learning outcomes (such as the learner's "
                    "transcript of record or Europass Mobility)"),
                 "enclosures.assessment.documentation_template", "tick"),
            Show(N_("Individual's development plan when abroad"),
                 "enclosures.assessment.development_plan", "tick"),
            Show(NC_("enclosure", "Other"), "enclosures.assessment.other"),
        )),
        Section("6", N_("Validation and recognition"), (
            Show(N_("Person(s) responsible for validating the learning outcomes (person, organisation, role)"),
                 "validation.responsible", "responsible"),
            Show(N_("Description of the validation process"), "validation.process"),
            Show(N_("Validated achievements: date"), "validation.date", "date"),
            Show(N_("Validated achievements: method"), "validation.method"),
            Show(N_("Person(s) responsible for recognising the learning outcomes achieved abroad "
                    "(person, organisation, role)"), "recognition.responsible", "responsible"),
            Show(N_("Recognition system"), "recognition.system"),
        )),
        Section("7", N_("Signatures"), (
            Signature("host", N_("Host organisation/country"), org="organisations.host"),
            Signature("home", N_("Home organisation/country"), org="organisations.home"),
            Signature("learner", NC_("signing party", "Learner"), with_role=False),
            Signature("intermediary", N_("Intermediary organisation (if applicable)"),
                      when="organisations.intermediary", org="organisations.intermediary"),
            Signature("guardian", N_("Parent or legal guardian (if applicable)"), when="is_minor"),
        )),
        # Optional in annex I: one line saying so when there is nothing to say.
        Section("8", NC_("section title", "Additional information"), (
            Show(NC_("row label", "Additional information"), "additional_information"),
        ), when="additional_information", otherwise=NONE),
        Section("9", NC_("section title", "Annexes"), (
            Show(NC_("row label", "Annexes"), "annexes", "lines"),
        ), when="annexes", otherwise=NONE),
    ),
)

SKILLS_ASSESSMENT = Form(
    id="skills-assessment",
    code="sa",
    annex="II",
    title=N_("Skills Assessment"),
    version="1",
    intro=(*HOST_INSTRUCTIONS, Note(PREVIEW_RATINGS_WARNING, pdf_only=True)),
    sections=(
        Section("1", N_("Participant and organisations"), (
            Show(N_("Name and surname participant"), "learner", "person"),
            Show(N_("Sending organisation"), "organisations.home.name"),
            Show(N_("Coordinator organisation"), "organisations.coordinator.name"),
            Show(N_("Host company"), "host_company.name"),
            Show(NC_("mobility period", "Period"), "period", "period"),
        )),
        Section("2", N_("Knowledge and skills: evaluation"), (
            Note(N_("Legend: 1 – satisfactory; 2 – good; 3 – very good; n/a – not assessed (a criterion "
                    "that could not be assessed).")),
            ForEachUnit((
                Heading(N_("Unit of learning outcomes"), "unit", "unit"),
                Ratings(),
                Fill("comments", N_("Comments on this unit"), "/assessments/{unit}/comments",
                     kind="multiline", lines=5, by="supervisor", required=False),
            )),
        )),
        Section("3", NC_("section title", "Supervisor"), (
            Signature("supervisor", N_("Supervisor's signature"), org="host_company"),
        )),
    ),
)

PERSONAL_TRANSCRIPT = Form(
    id="personal-transcript",
    code="pt",
    annex="III",
    title=N_("Personal Transcript"),
    version="1",
    intro=(
        Note(N_("This personal transcript records the knowledge, skills and competence acquired by "
                "the learner during the mobility stay. It is completed by the receiving institution on "
                "the basis of the learning agreement and says how they were tested and assessed.")),
        *HOST_INSTRUCTIONS,
        Note(PREVIEW_WARNING, pdf_only=True),
    ),
    sections=(
        Section("1", N_("Contact details of the learner"), (
            Show(N_("Name and surname"), "learner", "person"),
            Show(N_("Address"), "learner.address", "address"),
            Show(N_("Telephone/fax"), "learner.phones", "phones"),
            Show(N_("E-mail"), "learner.email"),
            Show(N_("Date of birth"), "learner.date_of_birth", "date"),
        )),
        Section("2", N_("Mobility stay"), (
            Show(N_("Details on the receiving institution"), "organisations.host", "organisation"),
            Show(N_("Host company (workplace)"), "host_company", "organisation"),
            Show(N_("Beginning and end of VET stay, duration in weeks"), "period", "period"),
            Show(N_("Daily work and learning times"), "period.daily_schedule"),
            Show(N_("Details on the learning and work context"), "period.work_context"),
        )),
        Section("3", N_("Learning outcomes"), (
            ForEachUnit((
                Heading(N_("Unit of learning outcomes"), "unit", "unit"),
                Show(N_("Learning outcomes agreed"), "unit.learning_outcomes", "outcomes"),
                Show(N_("ECVET points agreed"), "unit.ecvet_points", "number"),
                Fill("achieved", N_("Acquired knowledge, skills and competence"),
                     "/transcript/achieved/{unit}/outcomes", kind="multiline", lines=5),
                Fill("points", N_("ECVET points achieved (if relevant)"),
                     "/transcript/achieved/{unit}/ecvet_points", kind="points", required=False),
            )),
        )),
        # About the whole stay, so not inside the last unit's rows.
        Section("4", N_("Testing and assessment of the stay"), (
            Fill("testing", N_("Details about testing (procedures, methods, criteria)"),
                 "/transcript/testing_details", kind="multiline", lines=5),
            Fill("result", N_("Assessment result"), "/transcript/assessment_result", kind="multiline", lines=4),
        )),
        Section("5", N_("Signatures"), (
            Signature("host", N_("Host organisation/country"), org="organisations.host"),
            Signature("learner", NC_("signing party", "Learner"), with_role=False),
        )),
    ),
)

# Written by the sending organisation after validation and recognition (`ecvet report`),
# from the decisions recorded with `ecvet recognise`: not sent to the host, no fields.
RECOGNITION_RECORD = Form(
    id="recognition-record",
    code="rr",
    annex="I",
    title=N_("Recognition record"),
    version="1",
    intro=(Note(N_("This record completes section 6 of the Learning Agreement (validated achievements) and the "
                   "Personal Transcript: for each unit of learning outcomes, what the sending organisation "
                   "validated and recognised, by whom, and with which ECVET points.")),),
    sections=(
        Section("1", N_("Learner and mobility"), (
            Show(N_("Name and surname"), "learner", "person"),
            Show(N_("Sending organisation"), "organisations.home.name"),
            Show(N_("Host organisation"), "organisations.host.name"),
            Show(NC_("mobility period", "Period"), "period", "period"),
            Show(N_("Title of the qualification being taken by the learner (also in the language of "
                    "the partnership)"), "qualification.title", "all_languages"),
        )),
        Section("2", N_("Validated and recognised units"), (
            ForEachUnit((
                Heading(N_("Unit of learning outcomes"), "unit", "unit"),
                Show(N_("Result proposed by the assessment"), "unit.proposal", "proposal"),
                Show(NC_("recognition", "Decision"), "unit.decision.decision", "decision"),
                Show(N_("ECVET points credited"), "unit.decision.ecvet_points", "number"),
                Show(N_("Validated by"), "unit.decision.validated_by"),
                Show(N_("Recognised by"), "unit.decision.recognised_by"),
                Show(N_("Date of the decision"), "unit.decision.recorded_at", "date"),
                Show(N_("Validation method"), "unit.decision.method"),
                Show(N_("Consequence"), "unit.decision.consequence", "consequences"),
                Show(N_("Reason"), "unit.decision.reason"),
            )),
        )),
        Section("3", N_("ECVET points of the qualification"), (
            Show(N_("Points of the whole qualification"), "points.total", "number"),
            Show(N_("Accumulated before this mobility"), "points.before", "number"),
            Show(N_("Credited for this mobility"), "points.this", "number"),
            Show(N_("New total"), "points.after", "number"),
        )),
    ),
)

FORMS: dict[str, Form] = {f.id: f for f in (LEARNING_AGREEMENT, SKILLS_ASSESSMENT, PERSONAL_TRANSCRIPT)}
FORMATS = ("pdf", "docx")  # every form is written in each

# Every declaration ever sent, by (form id, template version). When a form changes, bump
# its version and keep the old declaration here: a form returned a year later is checked
# against the content it was made with.
DECLARATIONS: dict[tuple[str, str], Form] = {(f.id, f.version): f for f in (*FORMS.values(), RECOGNITION_RECORD)}


def declaration(form_id: str, version: str) -> Form | None:
    """The declaration a document of this form and template version was made with."""
    return DECLARATIONS.get((form_id, version))

# Labels of the signature blocks' fields: (key, label, kind).
SIGNATURE_FIELDS = (
    ("name", N_("Name and surname"), "text"),
    # TRANSLATORS: the signer's role or position in the organisation; a short field label
    ("role", NC_("signature block", "Role"), "text"),
    # TRANSLATORS: where the form is signed (a town); a short field label
    ("place", NC_("signature block", "Place"), "text"),
    # TRANSLATORS: keep the day-month-year order; translate the letters (e.g. TT.MM.JJJJ)
    ("date", N_("Date (dd/mm/yyyy)"), "date"),
)

# Everything else a document prints that is not a section label.
COMMON_LABELS = {
    # TRANSLATORS: above the form's title, e.g. "Annex II"; {number} is a Roman numeral
    "annex": N_("Annex {number}"),
    # TRANSLATORS: the page footer, e.g. "Page 2 of 3"
    "page_of": N_("Page {page} of {pages}"),
    # TRANSLATORS: the small identifying line at the foot of every page; {form} is the
    # translated form title, {mobility} an id, {lang} a language code, {version} a number
    "footer": N_("ECVET · {form} · mobility {mobility} · {lang} · template version {version}"),
    # TRANSLATORS: the DOCX's note for a form completed on paper (the PDF has its own)
    "paper_instructions": N_(
        "How to complete this form on paper: print it, fill in the empty boxes by hand in block "
        "letters, tick one box per criterion, and have each person sign and date their own signature "
        "block. Return the signed original, or a complete scan of it, to the sending organisation."),
    # TRANSLATORS: row label beside the digital signature box
    "signature": NC_("signature block", "Signature"),
    # TRANSLATORS: small grey hint inside the empty digital signature box (about 40 characters)
    "sign_here": N_("Sign here (digital signature)"),
    # TRANSLATORS: column heading of the Skills Assessment grid, above the criteria
    "criterion": N_("Assessment criteria"),
    # TRANSLATORS: narrow column heading "number" (about 3 characters), e.g. "Nr", "N°"
    "nr": NC_("column heading", "Nr"),
    # TRANSLATORS: the mobility period, e.g. "01/03/2027 to 26/03/2027 (4 weeks)";
    # {duration} is already translated ("4 weeks", "3 weeks and 2 days")
    "period": N_("{start} to {end} ({duration})"),
    # TRANSLATORS: kinds of learning outcome, each followed by ": " and the outcome
    "knowledge": NC_("learning outcome", "Knowledge"),
    "skill": NC_("learning outcome", "Skill"),
    "competence": NC_("learning outcome", "Competence"),
    # TRANSLATORS: the learner's gender, printed as a value
    "female": NC_("gender", "Female"),
    "male": NC_("gender", "Male"),
    "diverse": NC_("gender", "Diverse"),
    "unspecified": NC_("gender", "Not specified"),
    # TRANSLATORS: what a unit of learning outcomes is, printed as the value of "Type"
    "unit": NC_("unit granularity", "Unit"),
    "group_of_learning_outcomes": NC_("unit granularity", "Group of learning outcomes"),
    "part_of_unit": NC_("unit granularity", "Part of a unit"),
    # TRANSLATORS: a unit's result in the recognition record
    "recognised": NC_("recognition", "Recognised"),
    "refused": NC_("recognition", "Refused"),
    "pass": NC_("proposed result", "Pass"),
    "fail": NC_("proposed result", "Fail"),
    "undecided": NC_("proposed result", "Not yet decided"),
    # TRANSLATORS: what recognising a unit brings the learner at home
    "exemption": N_("Exemption from this unit at home"),
    "transcript": N_("Recorded in the school's transcript"),
    "certificate": N_("Stated in the certificate"),
    # TRANSLATORS: after a telephone number, in brackets: "+43 512 555 (fax)"
    "fax": NC_("telephone kind", "fax"),
    "mobile": NC_("telephone kind", "mobile"),
}
