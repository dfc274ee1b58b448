"""Builds and executes notebooks/04-your-own-data.ipynb:
``python notebooks/build/04-your-own-data.py``."""
from common import build, code, md, start

TRANSCRIPTS = '''\
(transcripts / "interview-ama.txt").write_text("""\\
Interviewer: What does the garden give you?

Ama: Calm, mostly. After a night shift I come here and the stress just goes.
My neighbour started coming too, so now we plant together on Saturdays.

Interviewer: Anything that gets in the way?

Ama: The bus. There is one an hour, and on Sundays none at all.
""", encoding="utf-8")

(transcripts / "interview-jon.txt").write_text("""\\
Interviewer: How did you start?

Jon: A friend from work brought me. I'd never grown anything.

Interviewer: And now?

Jon: I'm too busy most weeks, honestly. Two jobs, no time.
The gate is heavy too; with my wheelchair I need someone to open it.
""", encoding="utf-8")

(transcripts / "focus-group.txt").write_text("""\\
Facilitator: What would you change?

Rosa: A ramp by the gate, so everyone can get in.

Li: Evening hours. People who work can't come in the day.

Rosa: And more benches. It's the peace of the place that keeps me coming.
""", encoding="utf-8")

(work / "participants.csv").write_text("""\\
participant,document,speaker,group,age_band
P01,interview-ama,Ama,volunteer,30-49
P02,interview-jon,Jon,volunteer,50-64
P03,focus-group,Rosa,neighbour,65+
P04,focus-group,Li,neighbour,30-49
""", encoding="utf-8")
'''

CODEBOOK = '''\
(work / "codebook.yaml").write_text("""\\
name: Community garden study
version: "0.1"
codes:
  - id: benefits
    name: What the garden gives
    children:
      - id: wellbeing
        name: Wellbeing
        description: Calm, rest, relief from stress.
        keywords: [calm, stress, peace, relax]
      - id: friendship
        name: Friendship
        description: Meeting people, doing things together.
        keywords: [friend, neighbour, together]
  - id: barriers
    name: What gets in the way
    children:
      - id: time
        name: Time
        description: Work, shifts and other demands on time.
        keywords: [busy, shift, no time, job]
      - id: access
        name: Getting in
        description: Transport and physical access.
        keywords: [bus, wheelchair, gate, ramp]
""", encoding="utf-8")
'''

cells = [
    md("# Your own transcripts and codebook\n\n"
       "From an empty folder to the research database workbook, with your own material. "
       "So that it runs anywhere, this notebook first *writes* a tiny study into its "
       "folder, `qda-notebooks/04-your-own-data/`: three transcripts of a community garden "
       "study, a participants sheet and a codebook. With your own study, put your files "
       "in a folder instead and skip those two cells; everything after them is the same."),
    code(start("04-your-own-data") + "transcripts = work / \"transcripts\"\n"
         "transcripts.mkdir(parents=True)\n\n" + TRANSCRIPTS),
    md("## The codebook\n\nA YAML file (an Excel sheet or a REFI-QDA `.qdc` from another "
       "program works too): themes, their sub-codes, a definition for each, and the "
       "keywords the rules coder looks for (in their dictionary form: `shift` also finds "
       "*shifts*)."),
    code(CODEBOOK + "sorted(str(p.relative_to(work)) for p in work.rglob(\"*\") if p.is_file())"),
    md("## A project, and the transcripts in it\n\n"
       "The project is one file. `ingest` reads every transcript in the folder, finds the "
       "speakers (`Interviewer:` and `Facilitator:` turns are kept but left out of the "
       "analysis), cuts them into segments with exact offsets, and maps each speaker to "
       "a participant with the sheet."),
    code("project = qda.Project.create(work / \"study.qda\")\n"
         "project.load_codebook(work / \"codebook.yaml\")\n"
         "report = project.ingest([transcripts], participants=work / \"participants.csv\")\n"
         "report"),
    code("project.segments()[[\"segment_id\", \"participant\", \"group\", \"text\"]]"),
    md("## Suggestions, then your own coding\n\n"
       "The rules coder suggests codes by the keywords; each suggestion says which words it "
       "matched. Suggestions are never coding in their own right: accept the ones you agree "
       "with, reject the others, and code what the keywords missed."),
    code("rules = project.code_rules()\n"
         "print(rules.suggestions, \"suggestions on\", rules.segments_coded, \"segments\")\n"
         "suggested = project.codings(sources=[\"rules\"])\n"
         "suggested.assign(matched=[\", \".join(e[\"text\"] for e in ev) for ev in "
         "suggested[\"evidence\"]])[[\"segment_id\", \"code\", \"matched\"]]"),
    code("segments = project.segments().set_index(\"segment_id\")\n"
         "def segment(words):\n"
         "    return segments.index[segments[\"text\"].str.contains(words)][0]\n\n"
         "# Ama's night shift is when she comes, not what keeps her away: reject that one.\n"
         "rejected = project.review(\"reject\", coder=\"me\", "
         "segments=[segment(\"night shift\")], codes=[\"time\"])\n"
         "accepted = project.review(\"accept\", coder=\"me\", sources=[\"rules\"], all=True)\n"
         "# Li's 'people who work can't come in the day' is about time; no keyword caught it.\n"
         "project.add_coding(segment(\"Evening hours\"), \"time\", coder=\"me\")\n"
         "print(rejected.changed, \"rejected,\", accepted.changed, \"accepted, 1 coded by hand\")\n"
         "print(project.select_codings().description)"),
    md("## Memos\n\nNotes as the analysis grows: on the project, a document, a participant, "
       "a code or one coding. They are kept in the project with who wrote them and when, "
       "go into the workbook's Memos sheet and travel to other programs in a REFI-QDA "
       "export."),
    code("project.add_memo(\"Access came up unprompted in every transcript.\", code=\"access\", "
         "who=\"me\")\n"
         "project.add_memo(\"Ask the council about the bus timetable.\", "
         "document=\"interview-ama\", title=\"Follow up\", who=\"me\")\n"
         "project.memos()[[\"memo_id\", \"target\", \"about\", \"title\", \"text\", \"author\"]]"),
    md("## The project at a glance\n\nA `Project` shows its counts, which codings the "
       "analyses use, and the participants-by-themes matrix, shaded:"),
    code("project"),
    md("## The workbook\n\nEverything above as the research database: participants, "
       "codebook, segments, codings, the matrix, crosstabs by `group` and `age_band`, the "
       "framework matrix, co-occurrence, saturation and the memos."),
    code("import pandas as pd\n"
         "from qda import reports\n\n"
         "workbook = reports.export_workbook(project, work / \"database.xlsx\")\n"
         "pd.ExcelFile(workbook, engine=\"openpyxl\").sheet_names"),
    code("pd.read_excel(workbook, sheet_name=\"Matrix\", engine=\"openpyxl\")"),
    code("project.close()"),
]

build(cells, "04-your-own-data", timeout=600)
