export const TENANTS: Record<number, string> = { 1: 'Northwind Motors', 2: 'Penguin Parts' };
export const tenantName = (id: number) => TENANTS[id] ?? `Tenant ${id}`;
export const initials = (name: string) => name.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase();
export const timeOf = (iso?: string) => new Date(iso ?? Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
