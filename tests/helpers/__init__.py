"""What the tests share, kept apart from the tests themselves: no test module imports
another test module or ``conftest`` (``tests/test_layers.py`` checks it), and
``conftest.py`` holds only fixtures built from these.

- ``paths``: the checkout, the bundled sample, the default codebook.
- ``transcripts``: the small transcripts folder (two interviews, a focus group, a sheet).
- ``analysis_world``: a hand-built project as plain frames, for the analysis functions.
- ``coders``: a second coder made from researcher_a, the sample with both imported.
- ``cli``: the command line in this process.
- ``readers``: one builder per reader case (every format) and the files they write.
- ``refi``: REFI-QDA project and source XML, .qdpx archives.
- ``segments``: a segments frame and document text from a list of texts.
- ``learn``: synthetic coded texts for the learned suggester.
- ``hostile``: codebooks nested deeper than any limit.
- ``llm_fake``: an OpenAI-compatible fake server and the LLM tests' codebook.
- ``serve_world``, ``browser``: the page's project, ``qda serve`` and Chromium.
- ``reliability``, ``crash``: dumps of a project file, concurrent workers, the crash
  harness (commands killed in subprocesses), the README's reliability figures.
"""
