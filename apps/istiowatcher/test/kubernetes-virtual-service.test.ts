// The Kubernetes router and the built watcher on a VirtualService, against a real kube-apiserver.
import { kubernetesSuite } from './kubernetes-suite.js';

kubernetesSuite('VirtualService');
