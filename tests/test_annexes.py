"""Every label and field of the seed's annexes I–III is on the English forms.

The list is copied from the annexes themselves (shared/seeds), not from our form
declarations, so a label dropped from a declaration is caught here."""

from __future__ import annotations

import pikepdf
import pytest

from tests.conftest import pdftotext, squash

ANNEX_I = [
    "Information about the participants", "Information about the Home organisation",
    "Information about the Host organisation", "Name of organisation", "Address", "Telephone/fax",
    "E-mail", "Website", "Contact person", "Tutor/mentor", "Information about the learner",
    "Date of birth", "Male / Female", "Contact details of parents or legal guardian of the learner",
    "Telephone", "Information about the intermediary organisation", "Learning period abroad",
    "Start date", "End date", "Length of time abroad", "Title of the qualification being taken by the learner",
    "EQF level (if appropriate)", "NQF level (if appropriate)", "Information about the student's progress",
    "Enclosures in annex", "Europass CV", "Europass Mobility", "Europass Language Passport",
    "(Unit[s] of) learning outcomes already acquired by the learner", "Europass Certificate Supplement",
    "European Skills Passport", "Other", "Learning outcomes to be achieved during mobility",
    "Title of unit(s)/groups of learning outcomes/parts of units to be acquired",
    "Number of ECVET points to be acquired while abroad", "Learning outcomes to be achieved",
    "Description of the learning activities (e.g. information on location(s) of learning, tasks to be "
    "completed and/or courses to be attended)",
    "Description of unit(s)/groups of learning outcomes which are the focus of the mobility",
    "Individual's development plan when abroad", "Assessment and documentation",
    "Responsible for assessing the learner's performance", "Date(s) of assessment", "Method",
    "How and when will the assessment be recorded?",
    "Detailed information about the assessment procedure (e.g. methods, criteria, assessment grid)",
    "Template for documenting the acquired learning outcomes (such as the learner's transcript of record "
    "or Europass Mobility)",
    "Validation and recognition", "Person(s) responsible for validating the learning outcomes",
    "Description of the validation process", "Validated achievements: date", "Validated achievements: method",
    "Person(s) responsible for recognising the learning outcomes achieved abroad", "Recognition system",
    "Signatures", "Host organisation/country", "Home organisation/country", "Learner",
    "Intermediary organisation (if applicable)", "Parent or legal guardian (if applicable)",
    "Name and surname", "Role", "Place", "Date", "Additional information", "Annexes",
]
ANNEX_II = [
    "Skills Assessment", "Name and surname participant", "Sending organisation", "Coordinator organisation",
    "Host company", "Unit of learning outcomes", "Legend: 1 – satisfactory; 2 – good; 3 – very good",
    "Nr", "Assessment criteria", "Health and Safety Rules", "Language skills", "Social skills",
    "Professional skills", "Supervisor's signature", "Date",
]
ANNEX_III = [
    "Personal Transcript", "knowledge, skills and competence acquired by the learner",
    "Contact details of the learner", "Address", "Telephone/fax", "E-mail", "Date of birth", "Mobility stay",
    "Details on the receiving institution", "Beginning and end of VET stay, duration in weeks",
    "Daily work and learning times", "Details on the learning and work context", "Learning outcomes",
    "Acquired knowledge, skills and competence", "ECVET points achieved",
    "Details about testing (procedures, methods, criteria)", "Assessment result", "Signatures",
    "Host organisation/country", "Learner", "Name and surname", "Role", "Place", "Date",
]


@pytest.mark.parametrize("form,labels", [("learning-agreement", ANNEX_I), ("skills-assessment", ANNEX_II),
                                         ("personal-transcript", ANNEX_III)])
def test_annex_labels_are_on_the_form(minimal_out, form, labels):
    text = squash(pdftotext(minimal_out / "m1" / f"{form}.en.pdf"))
    assert [label for label in labels if squash(label) not in text] == []


def test_what_the_host_completes_are_fields(minimal_out):
    """Annex II ratings, supervisor and date; annex III results; every signature block."""
    expected = {
        "skills-assessment": {"sa_pastry_c01", "sa_pastry_c04", "sa_pastry_comments", "sa_supervisor_name",
                              "sa_supervisor_place", "sa_supervisor_date", "sa_sig_supervisor"},
        "personal-transcript": {"pt_pastry_achieved", "pt_pastry_points", "pt_testing", "pt_result",
                                "pt_host_name", "pt_host_role", "pt_host_place", "pt_host_date", "pt_sig_host",
                                "pt_learner_name", "pt_learner_place", "pt_learner_date", "pt_sig_learner"},
    }
    for form, names in expected.items():
        with pikepdf.open(minimal_out / "m1" / f"{form}.en.pdf") as pdf:
            assert names <= {str(f.T) for f in pdf.Root.AcroForm.Fields}
