// Command provisioner is the local cluster's dynamic host-path provisioner.
//
// For every PersistentVolumeClaim of its StorageClass it makes a directory under BASE_DIR on the node
// and returns a hostPath PersistentVolume pinned to that node. The StorageClass binds on first consumer,
// so the scheduler has chosen the node before the directory is made. On reclaim (policy Delete) the
// directory is removed, or renamed to archived-<name> when the class has parameter archiveOnDelete=true.
//
// It runs in-cluster as a Deployment whose BASE_DIR is a hostPath mount at the same path as on the
// host, so the path written into the PV is the real host path.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v11/controller"
)

const (
	defaultName     = "todo-local/host-path"
	archiveAnnotation = "todo-local/archive-on-delete"
)

type hostPathProvisioner struct {
	baseDir  string
	nodeName string
}

func (p *hostPathProvisioner) Provision(ctx context.Context, opts controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	pvc := opts.PVC
	if pvc.Spec.Selector != nil {
		return nil, controller.ProvisioningFinished, errors.New("claims with a selector are not supported by the host-path provisioner")
	}
	if pvc.Spec.VolumeMode != nil && *pvc.Spec.VolumeMode == v1.PersistentVolumeBlock {
		return nil, controller.ProvisioningFinished, errors.New("block volumes are not supported by the host-path provisioner; use volumeMode Filesystem")
	}
	node := p.nodeName
	if opts.SelectedNode != nil {
		node = opts.SelectedNode.Name
		if h := opts.SelectedNode.Labels[v1.LabelHostname]; h != "" {
			node = h
		}
	}
	// Namespace, claim and PV names are DNS labels/subdomains, so the joined name is a safe file name.
	dir := filepath.Join(p.baseDir, fmt.Sprintf("%s_%s_%s", pvc.Namespace, pvc.Name, opts.PVName))
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, controller.ProvisioningFinished, fmt.Errorf("create %s: %w", dir, err)
	}
	// World-writable like other local-path provisioners: pods run as arbitrary non-root UIDs and hostPath
	// volumes ignore fsGroup.
	if err := os.Chmod(dir, 0o777); err != nil {
		return nil, controller.ProvisioningFinished, fmt.Errorf("chmod %s: %w", dir, err)
	}

	reclaim := v1.PersistentVolumeReclaimDelete
	if opts.StorageClass.ReclaimPolicy != nil {
		reclaim = *opts.StorageClass.ReclaimPolicy
	}
	annotations := map[string]string{}
	if strings.EqualFold(opts.StorageClass.Parameters["archiveOnDelete"], "true") {
		annotations[archiveAnnotation] = "true"
	}
	dirType := v1.HostPathDirectoryOrCreate
	pv := &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: opts.PVName, Annotations: annotations},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: reclaim,
			AccessModes:                   pvc.Spec.AccessModes,
			Capacity:                      v1.ResourceList{v1.ResourceStorage: pvc.Spec.Resources.Requests[v1.ResourceStorage]},
			PersistentVolumeSource: v1.PersistentVolumeSource{
				HostPath: &v1.HostPathVolumeSource{Path: dir, Type: &dirType},
			},
			NodeAffinity: &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{
				NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{{
					Key: v1.LabelHostname, Operator: v1.NodeSelectorOpIn, Values: []string{node},
				}}}},
			}},
		},
	}
	klog.InfoS("provisioned", "pvc", pvc.Namespace+"/"+pvc.Name, "pv", opts.PVName, "path", dir)
	return pv, controller.ProvisioningFinished, nil
}

func (p *hostPathProvisioner) Delete(ctx context.Context, pv *v1.PersistentVolume) error {
	if pv.Spec.HostPath == nil {
		return &controller.IgnoredError{Reason: "not a hostPath volume"}
	}
	dir := filepath.Clean(pv.Spec.HostPath.Path)
	// Never touch anything outside our base directory, whatever a PV object says.
	if filepath.Dir(dir) != filepath.Clean(p.baseDir) {
		return &controller.IgnoredError{Reason: fmt.Sprintf("%s is not under %s", dir, p.baseDir)}
	}
	if pv.Annotations[archiveAnnotation] == "true" {
		archived := filepath.Join(p.baseDir, "archived-"+filepath.Base(dir))
		if err := os.Rename(dir, archived); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("archive %s: %w", dir, err)
		}
		klog.InfoS("archived", "pv", pv.Name, "path", archived)
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	klog.InfoS("deleted", "pv", pv.Name, "path", dir)
	return nil
}

func main() {
	klog.InitFlags(nil)
	base := os.Getenv("BASE_DIR")
	node := os.Getenv("NODE_NAME")
	name := os.Getenv("PROVISIONER_NAME")
	if name == "" {
		name = defaultName
	}
	if base == "" || !filepath.IsAbs(base) || node == "" {
		klog.Fatal("set BASE_DIR (absolute path of the hostPath mount) and NODE_NAME (downward API spec.nodeName)")
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		klog.Fatalf("base dir %s: %v", base, err)
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		klog.Fatalf("in-cluster config: %v", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.Fatalf("client: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	pc := controller.NewProvisionController(ctx, client, name, &hostPathProvisioner{baseDir: base, nodeName: node},
		// One replica on one node: leader election would only delay the first claim by a lease period.
		controller.LeaderElection(false),
	)
	klog.InfoS("starting", "provisioner", name, "baseDir", base, "node", node)
	pc.Run(ctx)
}
