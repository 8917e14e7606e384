"""The job, one function per stage: split, train, generate, cross-fit, verify, export, finish.

Each stage reads and writes the run directory (:class:`synthaug.pipeline.rundir.RunDirectory`), so
any stage can be re-run or inspected alone. ``flows/`` wires these functions into Prefect tasks,
after ``preflight.check_config`` has refused what a run could not honour.
"""
