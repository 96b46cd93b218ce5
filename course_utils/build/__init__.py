"""What builds the course, apart from what learners read: stand-in training recipes, corpus generators, the benchmark.

    python -m course_utils.build.standins build NAME     # retrain a stand-in (or `all`; `list` names them)
    python -m course_utils.build.corpora                 # regenerate every corpus under data/corpora/
    python -m course_utils.build.bench --update-readme   # time every notebook, refresh README's table

Build code imports the package; the package (what notebooks import) never imports build code.
"""
