"""A local single-node Kubernetes cluster from upstream components run as host processes.

`python3 -m scripts.cluster up|down|status|logs|prune` (cli.py); NOTES.md has the layout, the host
facts it depends on and measured numbers. Modules, one job each:
  config      paths, versions, network ranges        builds      Go builds of etcd/CoreDNS/pause/provisioner
  pki         certificates (openssl)                 kubeconfig  component kubeconfigs + the user's context
  components  command lines, config files, health    images      docker build → containerd import / registry
  addons      CoreDNS, provisioner, StorageClass…    network     CNI config, iptables chains, bridge
  procs       pid files, verified stops              cgroups     the kubelet's cgroup root
  mounts      unmount under the state dir            teardown    down / stale-run cleanup
  up          start order, waits, timings            status      status, logs;  prune: reclaim space
  bench       build/up/memory numbers
"""
