/**
 * Credentials kept for this tab only (sessionStorage): closing the tab signs out, and
 * nothing lands in localStorage, where it would outlive the visit.
 */

export function remembered(name: string): string | null {
  try {
    return sessionStorage.getItem(name);
  } catch {
    return null;
  }
}

export function remember(name: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, value);
  } catch {
    // Storage disabled: the credential lives as long as the page.
  }
}
