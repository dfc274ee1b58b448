"""Builds and executes notebooks/02-coding-and-suggestions.ipynb:
``python notebooks/build/02-coding-and-suggestions.py``."""
from common import build, code, md, start

cells = [
    md("# Coding by people, suggestions by machines, and how far to trust them\n\n"
       "People code in a spreadsheet; the rules coder and a learned model suggest the rest. "
       "This walkthrough uses one researcher's hand coding of the sample's transcripts "
       "(`data/sample-coding/researcher_a.csv`) to measure both helpers, suggest codes for "
       "the survey answers nobody has coded yet, and review the suggestions. It works in "
       "its own folder, `qda-notebooks/02-coding-and-suggestions/`, made afresh each time "
       "it runs: what it accepts here changes no other notebook's project."),
    code(start("02-coding-and-suggestions", "from qda.resources import sample_coding\n")
         + "result = qda.run(out=work)\n"
         "project = qda.Project.open(result.project)"),
    md("## A coding sheet\n\n`coding_sheet` writes the workbook a researcher fills with `x` "
       "marks (one row per segment, one column per code under its theme, the definition as a "
       "comment on each code). `import_coding` reads it back, or reads the long coding CSV, "
       "as that coder's codings; importing the same file twice changes nothing."),
    code("project.coding_sheet(work / \"coding-researcher_a.xlsx\", coder=\"researcher_a\")\n"
         "report = project.import_coding(sample_coding(), coder=\"researcher_a\")\n"
         "print(report.added, \"codings added;\", report.reviewed, \"segments reviewed\")\n"
         "again = project.import_coding(sample_coding(), coder=\"researcher_a\")\n"
         "print(again.added, \"added the second time\")"),
    md("Now the analyses count the researcher's coding, not the suggestions:"),
    code("print(project.select_codings().description)\n"
         "themes = [c.id for c in project.codebook.top_level()]\n"
         "project.matrix(rows=\"role\", value=\"share\")[[\"role\", *themes]].round(2)"),
    md("## Which helper to trust for which code\n\n"
       "Five-fold cross-validation on the researcher's segments: the learned model against "
       "the rules coder, scored against the researcher code by code (precision, recall, F1, "
       "Cohen's kappa). Same seed, same figures."),
    code("evaluation = project.evaluate_suggester(from_coder=\"researcher_a\", folds=5, seed=0, helper=\"calibrated\")\n"
         "print(evaluation.summary())\n"
         "table = evaluation.per_code.pivot(index=\"code_id\", columns=\"helper\", values=[\"f1\", \"kappa\"])\n"
         "table.round(2).sort_values((\"f1\", \"model\"), ascending=False)"),
    code("evaluation.overall.round(2)"),
    md("## Suggestions for what nobody has coded\n\n"
       "The survey answers are not in the researcher's coding. The model learns from the "
       "researcher and suggests codes for them, each with a calibrated confidence; nothing "
       "the researcher coded is touched."),
    code("report = project.suggest(from_coder=\"researcher_a\", helper=\"calibrated\")\n"
         "print(report.suggestions, \"suggestions on\", report.segments_suggested, \"segments\")\n"
         "suggested = project.codings(sources=[\"model\"]).sort_values(\"confidence\", ascending=False)\n"
         "suggested[[\"segment_id\", \"code\", \"confidence\", \"text\"]].head(8)"),
    md("## Review\n\nA person accepts the confident ones (they become that person's codings, "
       "keeping where they came from) and rejects others (kept as rejected, never suggested "
       "again)."),
    code("accepted = project.review(\"accept\", sources=[\"model\"], min_confidence=0.8, coder=\"researcher_a\")\n"
         "print(accepted.changed, \"accepted\")\n"
         "project.codings(coders=[\"researcher_a\"]).query(\"origin == 'model'\")"
         "[[\"segment_id\", \"code\", \"origin\", \"confidence\"]].head()"),
    md("## What to code next\n\nActive learning: the uncoded segments whose coding would "
       "teach the model most, ready as a coding sheet."),
    code("nxt = project.next_to_code(from_coder=\"researcher_a\", n=5)\n"
         "project.coding_sheet(work / \"next.xlsx\", coder=\"researcher_a\", "
         "segments=list(nxt[\"segment_id\"]))\n"
         "nxt"),
    code("project.close()"),
]
build(cells, "02-coding-and-suggestions")
