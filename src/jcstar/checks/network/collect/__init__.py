"""What the network checks read the device through: the port scan and service
identification, protocol probes, login surfaces, web pages and forms, pacing.

Collectors observe and describe; they judge nothing. The checks in
:mod:`jcstar.checks.network` (one module per check id) turn what they collect into
observations."""
