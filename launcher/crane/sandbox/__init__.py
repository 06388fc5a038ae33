"""The agent's sandbox: on Linux, bubblewrap around the agent and everything it starts.

  plan.py      what the sandbox must look like, as data
  argv.py      the bubblewrap command line for a plan (pure, table-tested)
  gather.py    a plan for this machine and session (home, crane's dirs, keyring, credentials)
  settings.py  the profile's [sandbox] table
  probe.py     whether bubblewrap can run here, and why not
  process.py   starting the sandbox and reaching the agent inside it with signals

Kept import-free: the profile parser imports settings.py on the config module's hot path.
"""
