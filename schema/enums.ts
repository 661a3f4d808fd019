import { registerEnumType } from 'type-graphql';
import { LegalBasis, OffenseCategory, Role, TenantStatus } from '../models/enums.js';

registerEnumType(Role, { name: 'Role', description: 'A principal’s role; one per principal.' });
registerEnumType(LegalBasis, { name: 'LegalBasis', description: 'The declared lawful reason for a search (POLICY-NOTES.md).' });
registerEnumType(OffenseCategory, { name: 'OffenseCategory' });
registerEnumType(TenantStatus, { name: 'TenantStatus' });

export { LegalBasis, OffenseCategory, Role, TenantStatus };
