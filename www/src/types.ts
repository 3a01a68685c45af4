export interface User { id: number; name: string; tenant_id: number }
export interface Product { sku: string; name: string; stock: number; threshold: number; price: number; updated_at: string }
export interface Actor { id: number; name: string }
export interface InventoryUpdate { product: Product; change: 'created' | 'updated' | 'stock'; by: Actor }
export interface ProductEvent { product: Product; by: Actor }
export interface StockAdjusted {
  sku: string; name: string; previous: number; stock: number; delta: number; threshold: number;
  reason: string; by: Actor; at: string; id?: string;
}
export interface AppNotification {
  id: string; type: string; title: string; message?: string; from?: Actor; at?: string;
}
/** What GET /api/config returns: public settings only (no secret, no master key). */
export interface PublicConfig {
  broadcaster: 'reverb'; key: string; wsHost: string; wsPort: number; wssPort: number; forceTLS: boolean;
}
