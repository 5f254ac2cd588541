import { describe, expect, it } from 'vitest';
import { gkeDeployment, loadDeployment, localDeployment, shippedFiles } from './deployment.js';

describe('the shipped deployment as the model reads it', () => {
  it('takes its defaults from config.yaml, the generated k8s/burst/ and the cluster script', () => {
    expect(gkeDeployment(shippedFiles()).model).toEqual({
      primaryCapacityRps: 15,
      burstPodCapacityRps: 15,
      burstMinPods: 1,
      burstMaxPods: 10,
      hpaTargetUtilization: 0.6,
      hpaSyncSeconds: 15,
      hpaMetricsWindowSeconds: 30,
      hpaTolerance: 0.1,
      hpaScaleDownStabilizationSeconds: 120,
      hpaWarmScaleDownStabilizationSeconds: 30,
      podStartSeconds: 10,
      podsPerNode: 16,
      burstMinNodes: 1,
      burstMaxNodes: 5,
      nodeProvisionSeconds: 90,
      nodeScaleDownSeconds: 600,
      scrapeIntervalSeconds: 15,
      scrapeOffsetSeconds: 0,
      tickOffsetSeconds: 0.5,
      frontendWholeRequests: 0,
    });
    expect(gkeDeployment(shippedFiles()).watcherEnv).toMatchObject({
      WATCHER_MODE: 'spill',
      BURST_HIGH_RPS: '13',
      WATCHER_SAMPLES: '2',
      BURST_WARM: 'min-replicas',
    });
  });

  it('follows the files: another autoscaler, capacity and replica count change the model', () => {
    const files = shippedFiles();
    const model = gkeDeployment({
      ...files,
      configYaml: files.configYaml
        .replace('workerPrimary: 1', 'workerPrimary: 3')
        .replace("BURST_HIGH_RPS: '13'", "BURST_HIGH_RPS: '13'\n  PRIMARY_CAPACITY_RPS: '60'")
        .replace('maxReplicas: 10', 'maxReplicas: 30')
        .replace('scaleDownStabilizationSeconds: 120', 'scaleDownStabilizationSeconds: 300')
        .replace('warmScaleDownStabilizationSeconds: 30', 'warmScaleDownStabilizationSeconds: 45'),
      burstAutoscalerYaml: files.burstAutoscalerYaml.replace(
        'stabilizationWindowSeconds: 30',
        'stabilizationWindowSeconds: 45',
      ),
    }).model;
    expect(model).toMatchObject({
      primaryCapacityRps: 60,
      burstPodCapacityRps: 20,
      burstMaxPods: 30,
      hpaScaleDownStabilizationSeconds: 300,
      hpaWarmScaleDownStabilizationSeconds: 45,
    });
  });

  it.each<[string, (f: ReturnType<typeof shippedFiles>) => ReturnType<typeof shippedFiles>, RegExp]>([
    [
      'no autoscaler',
      (f) => ({ ...f, burstAutoscalerYaml: 'kind: Service\n' }),
      /worker-autoscaler\.yaml: no HorizontalPodAutoscaler/,
    ],
    [
      'a generated autoscaler older than the config',
      (f) => ({ ...f, burstAutoscalerYaml: f.burstAutoscalerYaml.replace('WindowSeconds: 30', 'WindowSeconds: 120') }),
      /worker-autoscaler\.yaml: scale-down window 120, tools\/manifests\/config\.yaml gives 30 with BURST_WARM=min-replicas: run npm run manifests/,
    ],
    ['no node range', (f) => ({ ...f, createClustersScript: '#!/bin/sh\n' }), /create-clusters\.sh: no --min-nodes/],
    ['a broken config', (f) => ({ ...f, configYaml: 'replicas: {}\n' }), /config\.yaml: replicas\.workerPrimary/],
    [
      'a bad watcher setting in the config',
      (f) => ({ ...f, configYaml: f.configYaml.replace("BURST_LOW_RPS: '10'", "BURST_LOW_RPS: '20'") }),
      /BURST_LOW_RPS is not valid/,
    ],
  ])('%s: a clear error', (_name, change, message) => {
    expect(() => gkeDeployment(change(shippedFiles()))).toThrow(message);
  });

  it('local: the stack on one machine, 1 s scrape, its watcher settings, no cold start', () => {
    const local = localDeployment();
    expect(local.model).toMatchObject({ scrapeIntervalSeconds: 1, podStartSeconds: 0, frontendWholeRequests: 1 });
    expect(local.watcherEnv).toMatchObject({ WATCHER_RATE_WINDOW: '5s', WATCHER_SAMPLES: '2' });
    expect(() => loadDeployment('aws')).toThrow('--deployment must be gke or local, got "aws"');
  });
});
