"""Builds and executes notebooks/03-analysis.ipynb:
``python notebooks/build/03-analysis.py``."""
from common import build, code, md, start

cells = [
    md("# Analysis: matrices, crosstabs, the framework matrix, agreement and charts\n\n"
       "The sample's transcripts, coded by one researcher (`data/sample-coding/researcher_a.csv`), "
       "analysed the way the research database workbook does it: every table below is a "
       "pandas DataFrame returned by a `qda.Project` method, and the workbook's sheets hold "
       "the same figures. The notebook works in its own folder, "
       "`qda-notebooks/03-analysis/`, made afresh each time it runs, so what another "
       "notebook accepted or coded never changes these figures."),
    code(start("03-analysis", "import pandas as pd\nfrom qda.resources import sample_coding\n")
         + "result = qda.run(out=work)\n"
         "project = qda.Project.open(result.project)\n"
         "project.import_coding(sample_coding(), coder=\"researcher_a\")\n"
         "print(project.select_codings().description)"),
    md("## A second coder, made up for the agreement section\n\n"
       "Agreement needs two people who coded the same segments. The sample has one, so this "
       "notebook **makes a second coder, `researcher_b`, by perturbing a copy of "
       "researcher_a's file**: every 7th coded row left out and every 11th moved to another "
       "code (a home visit becomes a community venue and the other way round). These are "
       "not real codings; they are here so the agreement figures have something to measure."),
    code("a = pd.read_csv(sample_coding(), dtype=str, keep_default_na=False)\n"
         "b = a.assign(coder=\"researcher_b\")\n"
         "coded = b.index[b[\"code\"] != \"\"]\n"
         "b = b.drop(index=coded[::7])\n"
         "moved = [i for i in coded[3::11] if i in b.index]\n"
         "b.loc[moved, \"code\"] = b.loc[moved, \"code\"].map(\n"
         "    lambda c: \"community_venues\" if c == \"home_visits\" else \"home_visits\")\n"
         "b.to_csv(work / \"researcher_b.csv\", index=False)\n"
         "report = project.import_coding(work / \"researcher_b.csv\", coder=\"researcher_b\")\n"
         "print(report.added, \"codings by researcher_b\")"),
    md("From here on the analyses count the human codings of both (the default once people "
       "have coded); `coders=[\"researcher_a\"]` and the like choose others."),
    md("## The cross-reference matrix at two depths\n\n"
       "`depth=1` rolls every sub-theme up into its theme; `depth=None` shows every code. "
       "`totals=True` adds a Total column and row: a segment coded at two themes is one "
       "segment in a total, so totals are not plain sums."),
    code("themes = project.matrix(depth=1, totals=True, coders=[\"researcher_a\"])\n"
         "themes.drop(columns=[\"label\", \"grade\", \"relationship\"], errors=\"ignore\").head(12)"),
    code("project.matrix(rows=\"role\", value=\"share\", depth=None, coders=[\"researcher_a\"])"
         ".set_index(\"role\").round(2).T.head(12)"),
    md("## Crosstabs by group and by role\n\n"
       "Participants counted once per theme: the column percentage is the share of the "
       "group who raised it (\"7 of 9 family members\")."),
    code("by_group = project.crosstab(\"group\", unit=\"participants\", coders=[\"researcher_a\"])\n"
         "print(by_group.note)\n"
         "by_group.column_percent.round(0)"),
    code("by_role = project.crosstab(\"role\", unit=\"segments\", coders=[\"researcher_a\"])\n"
         "by_role.counts"),
    md("## The framework matrix\n\nOne row per participant, for each theme the participant's "
       "coded segments and a summary column to fill in (in the workbook's Framework sheet, "
       "read back by `project.import_framework`)."),
    code("framework = project.framework(coders=[\"researcher_a\"])\n"
         "framework.loc[framework[\"participant\"] == \"F01\", [\"participant\", \"benefits | quotes\"]]"
         ".style.set_properties(**{\"white-space\": \"pre-wrap\", \"text-align\": \"left\"})"),
    md("## Co-occurrence\n\nPairs of codes applied to the same segment, with the "
       "c-coefficient n12 / (n1 + n2 - n12)."),
    code("co = project.cooccurrence(depth=None, coders=[\"researcher_a\"])\n"
         "pairs = co.pairs()\n"
         "pairs.assign(code_a=pairs[\"code_a\"].map(co.names), code_b=pairs[\"code_b\"].map(co.names))"
         ".head(10).round(2)"),
    md("## Agreement between the two coders\n\n"
       "Per code (sub-codes rolled up): percent agreement, Cohen's kappa and Krippendorff's "
       "alpha on the segments both reviewed; the last row pools every decision."),
    code("agreement = project.agreement([\"researcher_a\", \"researcher_b\"])\n"
         "print(agreement.note)\n"
         "agreement.to_frame().round(2)"),
    md("## Saturation\n\nCodes first seen in each successive document: the curve flattens "
       "once new transcripts stop adding codes."),
    code("project.saturation(coders=[\"researcher_a\"])"),
    md("## The workbook and the charts\n\n"
       "`qda export --xlsx` / `reports.export_workbook` writes all of the above as one "
       "workbook; `export_charts` writes each chart as PNG and SVG, its subtitle saying which "
       "codings it counts."),
    code("from qda import reports\n"
         "workbook = reports.export_workbook(project, work / \"qda-database.xlsx\")\n"
         "print(pd.ExcelFile(workbook, engine=\"calamine\").sheet_names)\n"
         "charts = reports.export_charts(project, work / \"charts\")\n"
         "[p.name for p in charts]"),
    code("from IPython.display import Image, display\n"
         "for path in charts:\n"
         "    if path.suffix == \".png\":\n"
         "        display(Image(filename=str(path), width=900))"),
    md("## The quote bank\n\nEvery quote under its theme and sub-theme with its attribution; "
       "Markdown or Word, in document, confidence or length order."),
    code("reports.export_quotes(project, work / \"quotes.docx\", order=\"length\")\n"
         "text = reports.export_quotes(project, work / \"quotes.md\").read_text(encoding=\"utf-8\")\n"
         "print(text[:1500])"),
    code("project.close()"),
]
build(cells, "03-analysis")
