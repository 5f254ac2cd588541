// The Kubernetes router on an HTTPRoute (the Gateway API flavour), against a real kube-apiserver.
import { kubernetesSuite } from './kubernetes-suite.js';

kubernetesSuite('HTTPRoute');
