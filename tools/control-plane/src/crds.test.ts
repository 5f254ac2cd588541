import { describe, expect, it } from 'vitest';
import { crdName, crdsEstablished, selectCrds } from './crds.js';

const crd = (name: string, extra = '') =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    a: b\n  labels:\n    name: not-this\n  name: ${name}\n${extra}spec:\n  group: g\n  names:\n    name: nor-this\n`;

describe('the CRDs a control plane gets', () => {
  it.each([
    ['a CRD', crd('virtualservices.networking.istio.io'), 'virtualservices.networking.istio.io'],
    ['quoted', crd("'httproutes.gateway.networking.k8s.io'"), 'httproutes.gateway.networking.k8s.io'],
    ['not a CRD', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', undefined],
    ['a comment only', '# a licence header\n', undefined],
  ])('the name of %s', (_, doc, name) => {
    expect(crdName(doc)).toBe(name);
  });

  const files = [
    `# header\n---\n${crd('a.example.com')}---\n${crd('b.example.com')}`,
    `${crd('c.example.com')}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: c.example.com\n`,
  ];

  it('keeps the named ones, from every file, and nothing else', () => {
    const picked = selectCrds(files, ['c.example.com', 'a.example.com']);
    expect(picked.split('\n---\n').map(crdName)).toEqual(['a.example.com', 'c.example.com']);
    expect(picked).not.toContain('ValidatingAdmissionPolicy');
  });

  it('none named: nothing', () => {
    expect(selectCrds(files, [])).toBe('');
  });

  it('a name the build does not have is an error that names it', () => {
    expect(() => selectCrds(files, ['a.example.com', 'd.example.com'])).toThrow(
      /no such CRD in the build: d\.example\.com/,
    );
  });

  const established = { status: { conditions: [{ type: 'Established', status: 'True' }] } };
  it.each([
    ['every one established', { items: [established, established] }, true],
    ['none at all', { items: [] }, true],
    ['one just created: no status yet', { items: [established, {}] }, false],
    [
      'one with conditions, not yet established',
      { items: [{ status: { conditions: [{ type: 'NamesAccepted', status: 'True' }] } }] },
      false,
    ],
    ['one refused', { items: [{ status: { conditions: [{ type: 'Established', status: 'False' }] } }] }, false],
  ])('established: %s', (_, list, expected) => {
    expect(crdsEstablished(list)).toBe(expected);
  });
});
