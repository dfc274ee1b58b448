"""Builds and executes notebooks/01-quickstart.ipynb:
``python notebooks/build/01-quickstart.py``."""
from common import build, code, md, start

cells = [
    md("# qda quickstart\n\n"
       "The whole job on the bundled sample: invented transcripts and a staff survey from a study of how "
       "probation staff and families experience involving families in supervision "
       "(staff telephone interviews, a paired interview, two staff focus groups, family "
       "interviews, a family focus group, a written submission and an online staff survey; as text, Word and subtitle files and a spreadsheet).\n\n"
       "`qda.run()` does what `qda run` does on the command line: ingest, segment by speaker "
       "turn, code by the codebook's keyword rules, build the matrix and export the workbook, "
       "charts and quote bank. This notebook works in its own folder, "
       "`qda-notebooks/01-quickstart/`, made afresh each time it runs, so the notebooks "
       "can be run in any order and print what you see here."),
    code(start("01-quickstart") + "result = qda.run(out=work)\nresult.summary"),
    md("Everything the analysis needs is in the project file. Open it as a `Project`: "
       "every question it answers comes back as a pandas DataFrame."),
    code("project = qda.Project.open(result.project)\nproject"),
    md("In a notebook a project shows what is in it, which codings the analyses count, and "
       "the participants by themes as a shaded table. Its tables are DataFrames:"),
    code("project.participants().head(8)"),
    md("## Segments keep who said what, and where\n\n"
       "Each segment is a speaker turn with code-point offsets into its document's stored text: "
       "`text[start:end]` is the quote, always. Interviewer turns are kept in the project but "
       "left out of coding and analysis."),
    code("segments = project.segments()\n"
         "texts = project.documents(text=True).set_index(\"document\")[\"text\"]\n"
         "first = segments.iloc[0]\n"
         "assert texts[first.document][first.start:first.end] == first.text\n"
         "segments[[\"segment_id\", \"participant\", \"role\", \"start\", \"end\", \"text\"]].head()"),
    md("## The participant-by-theme matrix\n\n"
       "One row per participant with their attributes, one column per code; sub-themes roll up "
       "into their themes. On a fresh project the matrix counts the rules coder's *suggestions*; "
       "once people have coded, it counts their codings instead (`select_codings` says which)."),
    code("print(project.select_codings().description)\n"
         "themes = [c.id for c in project.codebook.top_level()]\n"
         "matrix = project.matrix()\n"
         "matrix[[\"participant\", \"group\", \"role\", \"location\", *themes]].head(10)"),
    md("Any attribute can be the rows. Here, the share of each role's segments that touch each theme:"),
    code("project.matrix(rows=\"role\", value=\"share\")[[\"role\", *themes]].round(2)"),
    md("## A chart\n\nThe same table, drawn with pandas; `qda run` also writes PNG charts to "
       "`qda-notebooks/01-quickstart/charts/`."),
    code("import matplotlib.pyplot as plt\n\n"
         "names = {c.id: c.name for c in project.codebook}\n"
         "prevalence = project.matrix(value=\"presence\").groupby(\"group\")[themes].mean() * 100\n"
         "ax = prevalence.rename(columns=names).T.plot.barh(figsize=(8, 4.5))\n"
         "ax.set_xlabel(\"participants mentioning the theme (%)\")\n"
         "ax.set_title(project.select_codings().description, fontsize=8, loc=\"left\")\n"
         "plt.tight_layout()"),
    md("## Why did a segment get a code?\n\n"
       "Every rules suggestion keeps its evidence: the codebook term and the words it matched, "
       "as offsets into the document."),
    code("codings = project.codings(sources=[\"rules\"])\n"
         "row = codings[codings[\"code\"].isin([c.id for c in project.codebook.children(\"co_location\")])].iloc[0]\n"
         "print(row.code, row.segment_id)\n"
         "for ev in row.evidence:\n"
         "    print(f\"  {ev['term']!r} matched {ev['text']!r} at {ev['start']}-{ev['end']}\")"),
    md("## Attributed quotes\n\nThe quote bank (`quotes.md` in the same folder) is built from this table; "
       "attributions follow the project's template (`{role}, {location}` by default)."),
    code("quotes = project.quotes()\n"
         "for q in quotes[quotes[\"code\"] == \"home_visits\"].head(3).itertuples():\n"
         "    print(f\"\\\"{q.text[:160]}...\\\" ({q.attribution})\\n\")"),
    code("project.close()"),
]
build(cells, "01-quickstart", timeout=600)
