"""The checkers behind test_vivobook.py, one module a job: units (systemd
units, system and user), sysusers_tmpfiles, formats (data formats and the
programs' own config parsers), udev, kdl, files (shell, Python, modprobe.d,
fontconfig, systemd *.conf.d, INI, environment.d, sysctl.d), packages, golden
(the listing of a rendered tree), docs; common holds what they share, and
selftest runs each on a broken input. Each module's docstring says what it
checks and with which tool."""
