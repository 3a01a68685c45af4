// The bell's feed: Laravel notifications to this user (App.Models.User.{id}) and the tenant's
// broadcast notifications (tenant.{id}.notifications, `.notification.created`).
import { computed, onBeforeUnmount, onMounted, ref } from 'vue';
import { useChannel, useEchoNotification } from 'echo-wasm/vue';
import type { AppNotification, User } from './types';

export interface FeedItem extends AppNotification { source: 'user' | 'tenant'; receivedAt: number; read: boolean }

export function useNotificationFeed(user: User) {
  const items = ref<FeedItem[]>([]);
  const toasts = ref<FeedItem[]>([]); // shown in the page for a few seconds
  const unread = computed(() => items.value.filter((n) => !n.read).length);
  const add = (n: AppNotification, source: FeedItem['source']) => {
    if (items.value.some((i) => i.id === n.id)) return; // one entry per notification id
    const item: FeedItem = { ...n, source, receivedAt: Date.now(), read: false };
    items.value = [item, ...items.value].slice(0, 50);
    toasts.value = [item, ...toasts.value].slice(0, 3);
    setTimeout(() => { toasts.value = toasts.value.filter((t) => t !== item); }, 6000);
  };

  // Laravel notifications: shown on the desktop by Echo itself (desktopNotifications option).
  useEchoNotification<AppNotification>(`App.Models.User.${user.id}`, (n) => add(n, 'user'));

  // Tenant notifications: an ordinary event, raised on the desktop with `{ desktop: true }`.
  const tenant = useChannel(`tenant.${user.tenant_id}.notifications`);
  const onTenant = (n: AppNotification) => add(n, 'tenant');
  onMounted(() => tenant.channel().listen('.notification.created', onTenant, { desktop: true }));
  // Before unmount: useChannel leaves the channel on unmount, and channel() after that would take it again.
  onBeforeUnmount(() => tenant.channel().stopListening('.notification.created', onTenant));

  const markAllRead = () => { items.value = items.value.map((n) => ({ ...n, read: true })); };
  return { items, unread, toasts, markAllRead };
}
