"""A local single-node Kubernetes cluster from upstream components run as host processes.

`python3 -m scripts.cluster up|down|status|logs|prune` (see __main__.py).
"""
