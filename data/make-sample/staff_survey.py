"""Writes data/sample/staff-survey-open-answers.xlsx, the sample's survey table.

The answers are invented for the sample (no real person's words or names); they are
kept here as text so that a change to them shows in a diff. Run from the repository:
``python data/make-sample/staff_survey.py``.
"""

from pathlib import Path

import pandas as pd

HELPS = "What helps you to involve families in supervision?"
GETS_IN_THE_WAY = "What gets in the way of involving families?"

ROWS = [
    ("SR01", "Responsible Officer", "PO", "Kent",
     "Ringing the family before the first appointment, with consent, so they hear from me "
     "what probation is rather than from a brown envelope.",
     "Caseloads. When I have over sixty cases the phone calls to mums and partners are the "
     "first thing to go."),
    ("SR02", "Responsible Officer", "PSO", "Kent",
     "A three-way meeting early on. Once the partner has met me she knows she can ring if "
     "something is going wrong.",
     "There is no guidance on what we can share, so some colleagues say nothing at all to "
     "families to be safe."),
    ("SR03", "Senior Probation Officer", "SPO", "Kent",
     "Having a consent script the team agreed, so every officer explains the same thing about "
     "confidentiality to the person and to their family.",
     "Domestic abuse and safeguarding checks take weeks to come back and nobody should contact "
     "a partner before they do."),
    ("SR04", "Quality Development Officer", "QDO", "Kent",
     "Seeing good practice recorded in the case notes: who the family are, when they were "
     "contacted, what was agreed.",
     "It is not in the standards we audit against, so it is never counted and never "
     "recognised when someone does it well."),
    ("SR05", "Programme Facilitator", "", "Kent",
     "A family session at the end of the programme where partners hear what the group "
     "covered. They often ask why nobody told them sooner.",
     "Groups run in the evening in an office with no childcare, so parents cannot come."),
    ("SR06", "Responsible Officer", "PO", "Surrey",
     "Home visits. You learn more in ten minutes in someone's kitchen than in months in an "
     "interview room.",
     "Some families are part of the problem: the brother he offends with, or a mum who "
     "covers for him. Involving them can undo the work."),
    ("SR07", "Responsible Officer", "PSO", "Surrey",
     "Flexible reporting times. Seeing a dad after the school run instead of at nine means "
     "his partner can come too.",
     "Children are not allowed past reception, so a mum with a buggy sits in the waiting "
     "room and feels judged."),
    ("SR08", "Senior Probation Officer", "SPO", "Surrey",
     "Permission from managers to spend the time. When I tell my team family work counts as "
     "real work, they do more of it.",
     "Staff turnover. A family gets used to one officer and then there is a new one who "
     "starts from nothing."),
    ("SR09", "Responsible Officer", "PO", "Surrey",
     "Asking the person on probation who matters to them and who supports them, and writing "
     "it into the sentence plan.",
     "Some officers think the relationship is between us and the person on probation only, "
     "and that bringing family in muddies it."),
    ("SR10", "Community Payback Supervisor", "", "Surrey",
     "Letting families know the unpaid work hours and the address of the project, so a "
     "partner can plan the childcare around it.",
     "We never see families on community payback, and nobody has asked us to."),
    ("SR11", "Responsible Officer", "PO", "Sussex",
     "Meeting at the children's centre one afternoon a week. It is less stigmatised and "
     "partners come along because the kids can play.",
     "Room booking, risk assessment of the venue and travel time. Every pilot depends on "
     "one enthusiastic officer."),
    ("SR12", "Responsible Officer", "PSO", "Sussex",
     "Being honest with the family about what I cannot tell them. They accept a boundary if "
     "it is explained at the start.",
     "Families who are frightened of probation and think anything they say will send him back "
     "to prison."),
    ("SR13", "Senior Probation Officer", "SPO", "Sussex",
     "A community hub where probation sits alongside housing and benefits advice. Families "
     "walk into the hub, not into the probation office.",
     "Risk. A partner on the phone can say all the right things while there is a history of "
     "call-outs. Contact has to be done with your eyes open."),
    ("SR14", "Quality Development Officer", "QDO", "Sussex",
     "Short training on family work for new officers, with examples of what good looks like.",
     ""),
    ("SR15", "Programme Facilitator", "", "Sussex",
     "Inviting a family member to the last session to hear the relapse prevention plan. "
     "They become part of it.",
     "Confidentiality in the group: other members do not want their business discussed "
     "in front of someone's family."),
    ("SR16", "Responsible Officer", "PO", "Kent",
     "Texting the family with the appointment date when the person has agreed. Missed "
     "appointments dropped.",
     "Using a personal number would cross a boundary, and work phones are shared, so "
     "families cannot reach the right person."),
    ("SR17", "Responsible Officer", "PSO", "Sussex",
     "A mum who reminds him about appointments and notices when he is using again. She knows "
     "him far better than I do.",
     "Time. Everything is about recording and targets; the family contact is not measured, "
     "so it is the first thing dropped."),
    ("SR18", "Responsible Officer", "PO", "Surrey",
     "Explaining probation in plain words. Families often think we are the police and are "
     "waiting for him to slip up.",
     "Some people on probation refuse consent and that has to be respected, even when the "
     "family would help."),
    ("SR19", "Senior Probation Officer", "SPO", "Kent",
     "Joint working with children's services when there are children in the house, so the "
     "family hears one message, not two.",
     "Children in the sessions: you cannot talk about the offence with a toddler in the room, "
     "and there is nowhere for them to go."),
    ("SR20", "Responsible Officer", "PSO", "Kent",
     "Families give us information we would never get otherwise, about housing, drink, "
     "who he is seeing. It makes the risk assessment better.",
     "Worry about being manipulated: a family member using us to get at the person, or the "
     "person using the family to get at us."),
    ("SR21", "Responsible Officer", "PO", "Sussex",
     "Seeing a grandmother who was raising his children. Once she understood the licence "
     "conditions she made sure he kept to them.\nShe rang me when he did not come home.",
     "Licence conditions about contact with children make any family meeting complicated "
     "to arrange safely."),
    ("SR22", "Programme Facilitator", "", "Surrey",
     "Partners telling us that the skills from the programme are being used at home. It "
     "motivates the group and it motivates us.",
     "The programme manual has no session for families, so anything we do is extra."),
    ("SR23", "Responsible Officer", "PSO", "Surrey",
     "Evening appointments once a month for people who work, so a partner can come along "
     "after her shift.",
     "Offices are not welcoming: glass screens, people shouting at the desk, no space for "
     "a private conversation with a family member."),
    ("SR24", "Quality Development Officer", "QDO", "Surrey",
     "",
     "Inconsistent practice between teams. In one office it is second nature, in the next "
     "nobody has ever rung a family."),
]


def main() -> None:
    frame = pd.DataFrame(ROWS, columns=["respondent", "role", "grade", "location", HELPS,
                                        GETS_IN_THE_WAY])
    frame.insert(1, "group", "staff")
    frame.insert(5, "method", "online survey")
    out = Path(__file__).resolve().parents[1] / "sample" / "staff-survey-open-answers.xlsx"
    with pd.ExcelWriter(out, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="Responses", index=False)
        sheet = writer.sheets["Responses"]
        sheet.set_column(0, 5, 16)
        sheet.set_column(6, 7, 60)
    print(f"wrote {out} ({len(frame)} respondents)")


if __name__ == "__main__":
    main()
